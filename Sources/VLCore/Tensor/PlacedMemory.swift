#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw memory placed as ``StoragePlacement`` asks: anonymous pages of its own (`mmap`) for `.pages` at
/// ``pageMappingThreshold`` bytes and above, otherwise the heap, 64-byte aligned. Shared by tensor storage and the
/// int8 weights; the owner calls ``release()`` once.
struct PlacedMemory {
    /// Alignment of heap allocations, in bytes: a cache line and a full AVX-512 register.
    static let alignment = 64

    /// Buffers below this many bytes stay on the heap whatever the placement asked for (a mapping per small
    /// buffer would cost a system call and a partly used page each).
    static let pageMappingThreshold = 1 << 20

    let pointer: UnsafeMutableRawPointer
    /// The mapping's length when the memory has pages of its own, 0 on the heap.
    let mappedBytes: Int

    /// Allocates `bytes` (at least 1) uninitialised bytes.
    init(bytes: Int, placement: StoragePlacement) {
        let bytes = Swift.max(bytes, 1)
        if placement == .pages, bytes >= Self.pageMappingThreshold,
           let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           address != MAP_FAILED {
            pointer = address
            mappedBytes = bytes
        } else {
            pointer = .allocate(byteCount: bytes, alignment: Self.alignment)
            mappedBytes = 0
        }
    }

    var hasOwnPages: Bool { mappedBytes > 0 }

    func release() {
        if mappedBytes > 0 { munmap(pointer, mappedBytes) } else { pointer.deallocate() }
    }
}
