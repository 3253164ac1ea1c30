/// Shape operations, as PyTorch names them: every result is a new contiguous tensor (or shares storage when
/// only the shape changes). Axes may be negative, counting from the end. Shapes that do not fit throw a
/// ``ShapeError`` naming the operation.
extension Tensor {
    /// `axis` in `0 ..< rank` (negative values count from the end), or a ``ShapeError`` naming `operation`.
    func resolvedAxis(_ axis: Int, rank: Int? = nil, operation: String) throws(ShapeError) -> Int {
        let rank = rank ?? self.rank
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw ShapeError(path: operation, tensor: "axis \(axis)", expected: "an axis of a rank-\(rank) tensor", actual: shape)
        }
        return resolved
    }

    /// `reshape`: the same elements under `newShape`, where one extent may be `-1` (inferred).
    public func reshaped(_ newShape: [Int]) throws(ShapeError) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element)
            let product = Self.checkedCount(known) ?? 0
            guard known.allSatisfy({ $0 >= 0 }), product > 0, count % product == 0 else {
                throw ShapeError(path: "reshape", tensor: "shape \(newShape.shapeDescription)", expected: "\(count) elements", actual: shape)
            }
            resolved[inferred] = count / product
        }
        guard resolved.allSatisfy({ $0 >= 0 }), Self.checkedCount(resolved) == count else {
            throw ShapeError(path: "reshape", tensor: "shape \(newShape.shapeDescription)", expected: "\(count) elements", actual: shape)
        }
        var result = self
        result.shape = resolved
        return result
    }

    /// `flatten(start, end)`: axes `start ... end` merged into one.
    public func flattened(from start: Int = 0, through end: Int = -1) throws(ShapeError) -> Tensor {
        let first = try resolvedAxis(start, operation: "flatten"), last = try resolvedAxis(end, operation: "flatten")
        guard first <= last else { return self }
        let merged = shape[first...last].reduce(1, *)
        return try reshaped(Array(shape[..<first]) + [merged] + Array(shape[(last + 1)...]))
    }

    /// `unsqueeze(axis)`: a new axis of extent 1 at `axis` (in `-(rank + 1) ... rank`).
    public func unsqueezed(axis: Int) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, rank: rank + 1, operation: "unsqueeze")
        var newShape = shape
        newShape.insert(1, at: position)
        return try reshaped(newShape)
    }

    /// `squeeze(axis)`: removes `axis`, which must have extent 1.
    public func squeezed(axis: Int) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "squeeze")
        guard shape[position] == 1 else {
            throw ShapeError(path: "squeeze", tensor: "axis \(axis)", expected: "extent 1", actual: shape)
        }
        var newShape = shape
        newShape.remove(at: position)
        return try reshaped(newShape)
    }

    /// `permute(axes)`: axis `i` of the result is axis `axes[i]` of this tensor.
    public func permuted(_ axes: [Int]) throws(ShapeError) -> Tensor {
        guard axes.count == rank else {
            throw ShapeError(path: "permute", tensor: "axes \(axes)", expected: "a permutation of \(rank) axes", actual: shape)
        }
        var resolved: [Int] = []
        for axis in axes { resolved.append(try resolvedAxis(axis, operation: "permute")) }
        guard Set(resolved).count == rank else {
            throw ShapeError(path: "permute", tensor: "axes \(axes)", expected: "a permutation of \(rank) axes", actual: shape)
        }
        if resolved == Array(0..<rank) { return self }
        let base = StridedView(contiguous: shape)
        return materialized(StridedView(shape: resolved.map { shape[$0] }, strides: resolved.map { base.strides[$0] }, offset: 0))
    }

    /// `transpose(a, b)`: axes `a` and `b` swapped (by default the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws(ShapeError) -> Tensor {
        let first = try resolvedAxis(a, operation: "transpose"), second = try resolvedAxis(b, operation: "transpose")
        var axes = Array(0..<rank)
        axes.swapAt(first, second)
        return try permuted(axes)
    }

    /// `narrow(axis, start, length)`: the elements whose index along `axis` is in `start ..< start + length`.
    public func narrowed(axis: Int, start: Int, length: Int) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "narrow")
        guard start >= 0, length >= 0, start + length <= shape[position] else {
            throw ShapeError(path: "narrow", tensor: "range \(start) ..< \(start + length) on axis \(axis)",
                             expected: "a range inside the axis", actual: shape)
        }
        if start == 0 && length == shape[position] { return self }
        let base = StridedView(contiguous: shape)
        var newShape = shape
        newShape[position] = length
        return materialized(StridedView(shape: newShape, strides: base.strides, offset: start * base.strides[position]))
    }

    /// The elements whose index along `axis` is in `range` (`x[..., range, ...]`).
    public func sliced(axis: Int, _ range: Range<Int>) throws(ShapeError) -> Tensor {
        try narrowed(axis: axis, start: range.lowerBound, length: range.count)
    }

    /// `select(axis, index)`: the slice at `index` along `axis`, with that axis removed (`x[:, 0]`).
    public func selected(axis: Int, index: Int) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "select")
        guard index >= -shape[position], index < shape[position] else {
            throw ShapeError(path: "select", tensor: "index \(index) on axis \(axis)", expected: "an index inside the axis", actual: shape)
        }
        let resolved = index < 0 ? index + shape[position] : index
        return try narrowed(axis: position, start: resolved, length: 1).squeezed(axis: position)
    }

    /// `split(sizes, axis)`: consecutive pieces along `axis` whose extents are `sizes` (summing to the axis).
    public func split(sizes: [Int], axis: Int) throws(ShapeError) -> [Tensor] {
        let position = try resolvedAxis(axis, operation: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[position] else {
            throw ShapeError(path: "split", tensor: "sizes \(sizes)", expected: "sizes summing to \(shape[position])", actual: shape)
        }
        var start = 0
        var pieces: [Tensor] = []
        for size in sizes {
            pieces.append(try narrowed(axis: position, start: start, length: size))
            start += size
        }
        return pieces
    }

    /// `chunk(chunks, axis)` for an axis that `chunks` divides: `chunks` equal pieces.
    public func chunked(_ chunks: Int, axis: Int) throws(ShapeError) -> [Tensor] {
        let position = try resolvedAxis(axis, operation: "chunk")
        guard chunks > 0, shape[position] % chunks == 0 else {
            throw ShapeError(path: "chunk", tensor: "\(chunks) chunks", expected: "an axis that \(chunks) divides", actual: shape)
        }
        return try split(sizes: Array(repeating: shape[position] / chunks, count: chunks), axis: position)
    }

    /// `expand(shape)`: the tensor broadcast to `newShape` (extent-1 axes repeated, new leading axes added).
    public func expanded(to newShape: [Int]) throws(ShapeError) -> Tensor {
        guard let strides = Self.broadcastStrides(from: shape, to: newShape) else {
            throw ShapeError(path: "expand", tensor: "target \(newShape.shapeDescription)", expected: "a shape this one broadcasts to", actual: shape)
        }
        if newShape == shape { return self }
        return materialized(StridedView(shape: newShape, strides: strides, offset: 0))
    }

    /// The strides that read a contiguous tensor of `shape` as `target` under broadcasting (0 on repeated
    /// axes), or nil when `shape` does not broadcast to `target`.
    static func broadcastStrides(from shape: [Int], to target: [Int]) -> [Int]? {
        guard shape.count <= target.count else { return nil }
        let own = StridedView.contiguousStrides(shape)
        let lead = target.count - shape.count
        var strides = [Int](repeating: 0, count: target.count)
        for axis in shape.indices {
            let extent = shape[axis], wanted = target[lead + axis]
            if extent == wanted {
                strides[lead + axis] = own[axis]
            } else if extent != 1 {
                return nil
            }
        }
        return strides
    }

    /// `torch.cat(tensors, dim)`: the tensors joined along `axis`; the other extents must agree.
    public init(concatenating tensors: [Tensor], axis: Int) throws(ShapeError) {
        try self.init(concatenating: tensors, axis: axis, placement: .heap)
    }

    /// As ``init(concatenating:axis:)``, with the storage placed as asked (`.pages` for weights fused at load).
    package init(concatenating tensors: [Tensor], axis: Int, placement: StoragePlacement) throws(ShapeError) {
        guard let first = tensors.first else {
            throw ShapeError(path: "cat", tensor: "tensors", expected: "at least one tensor", actual: [])
        }
        let position = try first.resolvedAxis(axis, operation: "cat")
        var total = 0
        for tensor in tensors {
            var a = tensor.shape, b = first.shape
            guard a.count == b.count else {
                throw ShapeError(path: "cat", tensor: "tensor", expected: first.shape.shapeDescription + " except along axis \(axis)", actual: tensor.shape)
            }
            total += a[position]
            a[position] = 0
            b[position] = 0
            guard a == b else {
                throw ShapeError(path: "cat", tensor: "tensor", expected: first.shape.shapeDescription + " except along axis \(axis)", actual: tensor.shape)
            }
        }
        var shape = first.shape
        shape[position] = total
        let outer = first.shape[..<position].reduce(1, *)
        let inner = first.shape[(position + 1)...].reduce(1, *)
        self.init(shape: shape, placement: placement) { out in
            var column = 0
            let rowLength = total * inner
            for tensor in tensors {
                let piece = tensor.shape[position] * inner
                tensor.withUnsafeBufferPointer { source in
                    for row in 0..<outer {
                        (out.baseAddress! + row * rowLength + column).update(from: source.baseAddress! + row * piece, count: piece)
                    }
                }
                column += piece
            }
        }
    }

    /// `torch.stack(tensors, dim)`: tensors of one shape joined along a new axis at `axis`.
    public init(stacking tensors: [Tensor], axis: Int) throws(ShapeError) {
        guard let first = tensors.first else {
            throw ShapeError(path: "stack", tensor: "tensors", expected: "at least one tensor", actual: [])
        }
        for tensor in tensors where tensor.shape != first.shape {
            throw ShapeError(path: "stack", tensor: "tensor", expected: first.shape.shapeDescription, actual: tensor.shape)
        }
        var pieces: [Tensor] = []
        for tensor in tensors { pieces.append(try tensor.unsqueezed(axis: axis)) }
        try self.init(concatenating: pieces, axis: axis)
    }
}
