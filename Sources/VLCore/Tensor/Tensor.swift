/// A dense fp32 tensor: contiguous row-major storage, 64-byte aligned, copy-on-write, `Sendable`.
///
/// Layouts follow PyTorch: a linear weight is `[out, in]`, a conv weight `[O, I/groups, kH, kW]`,
/// activations `[B, N, D]` or `[B, C, H, W]`. Copies share storage until one of them is written.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first.
    public internal(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// Creates a tensor of the given shape with every element set to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        Self.checkShape(shape)
        self.shape = shape
        self.storage = TensorStorage(repeating: value, count: Self.elementCount(shape))
    }

    /// Creates a tensor whose elements are left uninitialised; the caller writes all of them.
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        self.init(uninitializedShape: shape, placement: .heap)
    }

    /// As ``init(uninitializedShape:)``, placed as asked.
    init(uninitializedShape shape: [Int], placement: StoragePlacement) {
        Self.checkShape(shape)
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: Self.elementCount(shape), placement: placement)
    }

    /// Creates a tensor from row-major scalars.
    /// - Throws: ``ShapeError`` when `scalars.count` is not the product of `shape`.
    public init(shape: [Int], scalars: [Float]) throws(ShapeError) {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Self.checkedCount(shape) else {
            throw ShapeError(path: "Tensor.init", tensor: "shape", expected: "non-negative dims", actual: shape)
        }
        guard count == scalars.count else {
            throw ShapeError(
                path: "Tensor.init", tensor: "scalars", expected: "\(count) scalars for \(shape)",
                actual: [scalars.count])
        }
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { source in
            storage.pointer.update(from: source.baseAddress!, count: count)
        }
    }

    /// Creates a tensor by calling `body` once with a buffer of `shape`'s element count to fill.
    public init(shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        try self.init(shape: shape, placement: .heap, initializingWith: body)
    }

    /// As ``init(shape:initializingWith:)``, with the storage placed as asked (weights: `.pages`).
    package init(shape: [Int], placement: StoragePlacement, initializingWith body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        self.init(uninitializedShape: shape, placement: placement)
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Whether the storage has pages of its own (`StoragePlacement.pages` at 1 MiB and above) rather than heap memory.
    package var hasOwnPages: Bool { storage.hasOwnPages }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Reads the elements without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Writes the elements in place, copying the storage first if another tensor shares it.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Element at a multi-dimensional index (bounds-checked; for tests and small tools, not hot loops).
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set {
            let offset = flatIndex(index)
            withUnsafeMutableBufferPointer { $0[offset] = newValue }
        }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for tensor of shape \(shape)")
        var offset = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of bounds for shape \(shape)")
            offset = offset * extent + i
        }
        return offset
    }

    /// The product of `shape`, or nil when it overflows `Int`.
    public static func checkedCount(_ shape: [Int]) -> Int? {
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            total = product
        }
        return total
    }

    @usableFromInline
    static func elementCount(_ shape: [Int]) -> Int {
        guard let count = checkedCount(shape) else { preconditionFailure("shape \(shape) overflows Int") }
        return count
    }

    @usableFromInline
    static func checkShape(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = withUnsafeBufferPointer { $0.prefix(6).map { "\($0)" }.joined(separator: ", ") }
        return "Tensor(\(shape.shapeDescription): [\(preview)\(count > 6 ? ", ..." : "")])"
    }
}

extension Array where Element == Int {
    /// A shape written as PyTorch prints it in error messages: `[2, 197, 768]`.
    public var shapeDescription: String { "[" + map(String.init).joined(separator: ", ") + "]" }
}
