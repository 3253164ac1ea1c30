/// Reductions along one axis, as `sum`, `mean`, `amax` and `linalg.vector_norm`; with `keepingAxis` the
/// reduced axis stays with extent 1 (`keepdim=True`).
extension Tensor {
    /// `x.sum(axis)`.
    public func sum(axis: Int, keepingAxis: Bool = false) throws(ShapeError) -> Tensor {
        try reduced(axis: axis, keepingAxis: keepingAxis, operation: "sum", .sum)
    }

    /// `x.mean(axis)`.
    public func mean(axis: Int, keepingAxis: Bool = false) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "mean")
        let extent = shape[position]
        let total = try reduced(axis: position, keepingAxis: keepingAxis, operation: "mean", .sum)
        return extent == 0 ? total / 0 : total * (1 / Float(extent))
    }

    /// `x.amax(axis)`: the largest element along `axis` (NaN when the slice holds one).
    public func max(axis: Int, keepingAxis: Bool = false) throws(ShapeError) -> Tensor {
        try reduced(axis: axis, keepingAxis: keepingAxis, operation: "amax", .maximum)
    }

    /// `x / ||x||` along `axis` (default the last), with `||x|| = sqrt(sum x^2)` and no epsilon, as
    /// `CLIPModel` normalises its embeddings: a zero vector becomes NaN.
    public func normalized(axis: Int = -1) throws(ShapeError) -> Tensor {
        let norms = try squared().sum(axis: axis, keepingAxis: true).squareRoot()
        return try self / norms
    }

    private enum Reduction { case sum, maximum }

    /// Reduces `[outer, n, inner]` over `n`, accumulating in fp32 eight lanes at a time.
    private func reduced(axis: Int, keepingAxis: Bool, operation: String, _ reduction: Reduction) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: operation)
        let n = shape[position]
        let outer = shape[..<position].reduce(1, *), inner = shape[(position + 1)...].reduce(1, *)
        var outShape = shape
        if keepingAxis { outShape[position] = 1 } else { outShape.remove(at: position) }
        let start: Float = reduction == .sum ? 0 : -.infinity
        return Tensor(shape: outShape) { out in
            withUnsafeBufferPointer { source in
                let x = source.baseAddress!, y = out.baseAddress!
                parallelChunks(count: outer, minimumChunk: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                    for o in range {
                        let block = x + o * n * inner, target = y + o * inner
                        if inner == 1 {
                            target.pointee = Self.reduceRow(block, count: n, reduction == .sum)
                            continue
                        }
                        target.update(repeating: start, count: inner)
                        for i in 0..<n {
                            let row = block + i * inner
                            var j = 0
                            while j + 8 <= inner {
                                let a = Float8.load(target + j), b = Float8.load(row + j)
                                (reduction == .sum ? a + b : a.replacing(with: b, where: (b .> a) .| (b .!= b))).store(target + j)
                                j += 8
                            }
                            while j < inner {
                                target[j] = reduction == .sum ? target[j] + row[j] : (row[j] > target[j] || row[j].isNaN ? row[j] : target[j])
                                j += 1
                            }
                        }
                    }
                }
            }
        }
    }

    private static func reduceRow(_ x: UnsafePointer<Float>, count: Int, _ sum: Bool) -> Float {
        var accumulator = Float8(repeating: sum ? 0 : -.infinity)
        var i = 0
        while i + 8 <= count {
            let v = Float8.load(x + i)
            accumulator = sum ? accumulator + v : accumulator.replacing(with: v, where: (v .> accumulator) .| (v .!= v))
            i += 8
        }
        var result = sum ? accumulator.sum() : accumulator.max()
        if !sum, (0..<8).contains(where: { accumulator[$0].isNaN }) { result = .nan }
        while i < count {
            result = sum ? result + x[i] : (x[i] > result || x[i].isNaN ? x[i] : result)
            i += 1
        }
        return result
    }
}
