/// Matrix products as `torch.matmul` and `F.linear` compute them, through OpenBLAS. Transposed operands are
/// read through CBLAS flags, never copied.
extension Tensor {
    /// `torch.matmul(self, other)`: `[..., M, K] x [..., K, N] -> [..., M, N]` with the batch axes broadcast;
    /// a rank-1 operand is a row (left) or a column (right) vector whose axis is dropped from the result.
    /// With `transposeOther`, `other` is `[..., N, K]` and used transposed (`self @ other.mT`).
    public func matmul(_ other: Tensor, transposeOther: Bool = false) throws(ShapeError) -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw ShapeError(path: "matmul", tensor: "other", expected: "operands of rank >= 1", actual: other.shape)
        }
        let a = rank == 1 ? try reshaped([1, shape[0]]) : self
        let b = other.rank == 1 ? try other.reshaped(transposeOther ? [1, other.shape[0]] : [other.shape[0], 1]) : other
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bRows, bColumns) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let n = transposeOther ? bRows : bColumns
        guard (transposeOther ? bColumns : bRows) == k else {
            let wanted = transposeOther ? "[..., N, \(k)]" : "[..., \(k), N]"
            throw ShapeError(path: "matmul", tensor: "other", expected: "\(wanted) for self \(shape.shapeDescription)", actual: other.shape)
        }
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        guard let batchShape = Self.broadcastShape(aBatch, bBatch) else {
            throw ShapeError(path: "matmul", tensor: "other", expected: "batch axes that broadcast with \(aBatch.shapeDescription)", actual: other.shape)
        }
        var resultShape = batchShape + [m, n]
        let batchCount = batchShape.reduce(1, *)
        let result: Tensor
        if bBatch.reduce(1, *) == 1 {
            // A shared right operand: every row of every batch element in one product.
            let rows = batchCount * m
            let left = aBatch == batchShape ? a : try a.expanded(to: batchShape + [m, k])
            result = Tensor(shape: resultShape) { out in
                left.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        GEMM.multiply(transposeB: transposeOther, m: rows, n: n, k: k, a: x.baseAddress!, lda: k, b: y.baseAddress!,
                                      ldb: bColumns, c: out.baseAddress!, ldc: n)
                    }
                }
            }
        } else {
            let aStrides = Self.batchStrides(aBatch, to: batchShape, matrix: m * k)
            let bStrides = Self.batchStrides(bBatch, to: batchShape, matrix: bRows * bColumns)
            result = Tensor(shape: resultShape) { out in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        let (xBase, yBase, zBase) = (x.baseAddress!, y.baseAddress!, out.baseAddress!)
                        ComputeThreads.withSingleThreadedBLAS { parallelTasks(count: batchCount) { index in
                            var remainder = index, aOffset = 0, bOffset = 0
                            for axis in batchShape.indices.reversed() {
                                let i = remainder % batchShape[axis]
                                remainder /= batchShape[axis]
                                aOffset += i * aStrides[axis]
                                bOffset += i * bStrides[axis]
                            }
                            GEMM.multiplySerially(transposeB: transposeOther, m: m, n: n, k: k, a: xBase + aOffset, lda: k,
                                                  b: yBase + bOffset, ldb: bColumns, c: zBase + index * m * n, ldc: n)
                        } }
                    }
                }
            }
        }
        if other.rank == 1 { resultShape.removeLast() }
        if rank == 1 { resultShape.remove(at: resultShape.count - (other.rank == 1 ? 1 : 2)) }
        return try result.reshaped(resultShape)
    }

    /// Element strides of each batch axis of a contiguous `[batch..., matrix]` operand read as `target` (0 where
    /// it broadcasts).
    private static func batchStrides(_ batch: [Int], to target: [Int], matrix: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var running = matrix
        for axis in batch.indices.reversed() {
            let targetAxis = axis + target.count - batch.count
            if batch[axis] != 1 { strides[targetAxis] = running }
            running *= batch[axis]
        }
        return strides
    }

    /// `F.linear(x, weight, bias)`: `[..., in] -> [..., out]` with `weight [out, in]`, `bias [out]`; every row of
    /// every batch element in one GEMM.
    public func linear(weight: Tensor, bias: Tensor? = nil) throws(ShapeError) -> Tensor {
        guard weight.rank == 2, rank >= 1, shape[rank - 1] == weight.shape[1] else {
            throw ShapeError(path: "linear", tensor: "weight", expected: "[out, \(shape.last ?? 0)]", actual: weight.shape)
        }
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        if let bias, bias.shape != [outFeatures] {
            throw ShapeError(path: "linear", tensor: "bias", expected: [outFeatures].shapeDescription, actual: bias.shape)
        }
        let rows = count / Swift.max(inFeatures, 1)
        return Tensor(shape: Array(shape.dropLast()) + [outFeatures]) { out in
            withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withOptionalPointer { b in
                        GEMM.linear(input: x.baseAddress!, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!, bias: b,
                                    outFeatures: outFeatures, output: out.baseAddress!)
                    }
                }
            }
        }
    }
}
