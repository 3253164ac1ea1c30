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
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int
    private let memory: PlacedMemory

    /// Allocates uninitialised storage for `count` scalars on the heap.
    @usableFromInline
    convenience init(uninitializedCount count: Int) {
        self.init(uninitializedCount: count, placement: .heap)
    }

    /// Allocates uninitialised storage for `count` scalars, placed as asked.
    init(uninitializedCount count: Int, placement: StoragePlacement) {
        precondition(count >= 0, "negative element count")
        memory = PlacedMemory(bytes: count * MemoryLayout<Float>.stride, placement: placement)
        pointer = memory.pointer.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
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
    var hasOwnPages: Bool { memory.hasOwnPages }

    deinit { memory.release() }
}
