/// Gathering and scattering slices by index, as `torch.index_select` and `Tensor.index_copy_` do. Each slice is
/// copied whole (`memcpy` of the contiguous elements under the indexed axis), so gathering the rows of
/// `[N, D]` costs one copy of the selected rows.
extension Tensor {
    /// `torch.index_select(x, axis, indices)`: the slices at `indices` along `axis`, in that order (repeats allowed).
    /// - Throws: ``ShapeError`` for an axis outside the tensor or an index outside `0 ..< shape[axis]`.
    public func indexSelected(axis: Int, indices: [Int]) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "index_select")
        let extent = shape[position]
        if let bad = indices.first(where: { $0 < 0 || $0 >= extent }) {
            throw ShapeError(path: "index_select", tensor: "index \(bad) on axis \(axis)", expected: "indices in 0 ..< \(extent)", actual: shape)
        }
        let outer = shape[..<position].reduce(1, *), inner = shape[(position + 1)...].reduce(1, *)
        var newShape = shape
        newShape[position] = indices.count
        return Tensor(shape: newShape) { out in
            withUnsafeBufferPointer { source in
                Self.copySlices(outer: outer, count: indices.count, inner: inner) { o, i in
                    (out.baseAddress! + (o * indices.count + i) * inner)
                        .update(from: source.baseAddress! + (o * extent + indices[i]) * inner, count: inner)
                }
            }
        }
    }

    /// `x.index_copy_(axis, indices, source)`: writes slice `i` of `source` along `axis` to position `indices[i]`
    /// of this tensor. `source` has this tensor's shape except along `axis`, where its extent is `indices.count`.
    /// With a repeated index the last slice written to it wins (PyTorch leaves that unspecified).
    /// - Throws: ``ShapeError`` for a source of another shape, or an index outside `0 ..< shape[axis]`.
    public mutating func indexCopy(axis: Int, indices: [Int], source: Tensor) throws(ShapeError) {
        let position = try resolvedAxis(axis, operation: "index_copy")
        let extent = shape[position]
        var expected = shape
        expected[position] = indices.count
        guard source.shape == expected else {
            throw ShapeError(path: "index_copy", tensor: "source", expected: expected.shapeDescription, actual: source.shape)
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= extent }) {
            throw ShapeError(path: "index_copy", tensor: "index \(bad) on axis \(axis)", expected: "indices in 0 ..< \(extent)", actual: shape)
        }
        let outer = shape[..<position].reduce(1, *), inner = shape[(position + 1)...].reduce(1, *)
        // Distinct indices write disjoint slices and may be split across threads; repeated ones are written in order.
        var seen = [Bool](repeating: false, count: extent)
        let distinct = indices.allSatisfy { index in
            defer { seen[index] = true }
            return !seen[index]
        }
        withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { values in
                Self.copySlices(outer: outer, count: indices.count, inner: inner, parallel: distinct) { o, i in
                    (out.baseAddress! + (o * extent + indices[i]) * inner)
                        .update(from: values.baseAddress! + (o * indices.count + i) * inner, count: inner)
                }
            }
        }
    }

    /// The non-mutating form of ``indexCopy(axis:indices:source:)`` (`torch.index_copy`).
    public func indexCopied(axis: Int, indices: [Int], source: Tensor) throws(ShapeError) -> Tensor {
        var result = self
        try result.indexCopy(axis: axis, indices: indices, source: source)
        return result
    }

    /// Calls `copy(outer, i)` for every slice, split across threads when there is enough to copy.
    private static func copySlices(outer: Int, count: Int, inner: Int, parallel: Bool = true, _ copy: (Int, Int) -> Void) {
        let slices = outer * count
        let chunk = parallel ? Swift.max(1, 65_536 / Swift.max(inner, 1)) : Swift.max(slices, 1)
        parallelChunks(count: slices, minimumChunk: chunk) { range in
            for slice in range { copy(slice / Swift.max(count, 1), slice % Swift.max(count, 1)) }
        }
    }
}
