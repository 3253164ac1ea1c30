/// Heap storage of a tensor: `count` fp32 scalars, 64-byte aligned, freed on deinit.
///
/// Storage is shared between tensor copies and copied on the first write to a shared instance
/// (see ``Tensor``), so it is never mutated while another tensor can observe it.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    /// Alignment of every allocation, in bytes: a cache line and a full AVX-512 register.
    static let alignment = 64

    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    /// Allocates uninitialised storage for `count` scalars.
    @usableFromInline
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count")
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride,
            alignment: Self.alignment)
        self.pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
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

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
