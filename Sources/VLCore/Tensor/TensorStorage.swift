#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a tensor's storage lives.
package enum StoragePlacement: Sendable {
    /// `malloc`: activations and anything short-lived.
    case heap
    /// Anonymous pages of its own (`mmap`), returned to the system on deinit, for large, long-lived buffers:
    /// weights read from a checkpoint and packed weights. Built on the heap, a model's weights would interleave
    /// with the conversion buffers freed between them; glibc cannot give those holes back, and a ViT-L/14-336
    /// checkpoint loaded that way peaked at 1.91 GB resident for 1.21 GB of weights (1.26 GB with own pages).
    case pages
}

/// Storage of a tensor: `count` fp32 scalars, 64-byte aligned, freed on deinit.
///
/// Storage is shared between tensor copies and copied on the first write to a shared instance
/// (see ``Tensor``), so it is never mutated while another tensor can observe it.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    /// Alignment of every allocation, in bytes: a cache line and a full AVX-512 register.
    static let alignment = 64

    /// Buffers below this many bytes stay on the heap whatever the placement asked for (a mapping per small
    /// tensor would cost a system call and a partly used page each).
    static let pageMappingThreshold = 1 << 20

    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int
    /// The mapping's length in bytes when the storage has pages of its own, 0 on the heap.
    private let mappedBytes: Int

    /// Allocates uninitialised storage for `count` scalars on the heap.
    @usableFromInline
    convenience init(uninitializedCount count: Int) {
        self.init(uninitializedCount: count, placement: .heap)
    }

    /// Allocates uninitialised storage for `count` scalars, placed as asked.
    init(uninitializedCount count: Int, placement: StoragePlacement) {
        precondition(count >= 0, "negative element count")
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        if placement == .pages, bytes >= Self.pageMappingThreshold,
           let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           address != MAP_FAILED {
            self.pointer = address.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
            self.mappedBytes = bytes
        } else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.alignment)
            self.pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
            self.mappedBytes = 0
        }
        self.count = count
    }

    @usableFromInline
    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.pointer.initialize(from: pointer, count: count)
        return other
    }

    /// Whether the storage has pages of its own.
    var hasOwnPages: Bool { mappedBytes > 0 }

    deinit {
        if mappedBytes > 0 {
            munmap(UnsafeMutableRawPointer(pointer), mappedBytes)
        } else {
            UnsafeMutableRawPointer(pointer).deallocate()
        }
    }
}
