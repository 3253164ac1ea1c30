import VLCore

/// The per-head core of attention on strided buffers, for one batch element:
/// `output_h = softmax(scale * Q_h K_hᵀ + mask) V_h` for every head `h`.
package enum ScaledDotProductAttention {
    /// - Parameters:
    ///   - queries, keys, values: row-major token matrices whose head `h` occupies columns
    ///     `h * headDimension ..< (h + 1) * headDimension`, with the given row strides.
    ///   - mask: optional additive `[queryCount, keyCount]` mask shared by the heads.
    ///   - scores: scratch of `heads * queryCount * keyCount` scalars.
    ///   - output: `[queryCount, outputStride]`, head `h` written to its column block.
    ///
    /// Heads run side by side on ``ComputeThreads/count`` threads (a thread takes the next head when done), each
    /// with single-threaded GEMMs.
    package static func compute(
        queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>, keyStride: Int,
        values: UnsafePointer<Float>, valueStride: Int, queryCount m: Int, keyCount n: Int, heads: Int,
        headDimension hd: Int, scale: Float, mask: UnsafePointer<Float>?, scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        // One OpenBLAS scope for all heads: the per-head products on the workers nest inside it.
        ComputeThreads.withSingleThreadedBLAS { computeHeads(queries: queries, queryStride: queryStride, keys: keys, keyStride: keyStride,
                                                             values: values, valueStride: valueStride, queryCount: m, keyCount: n,
                                                             heads: heads, headDimension: hd, scale: scale, mask: mask, scores: scores,
                                                             output: output, outputStride: outputStride) }
    }

    private static func computeHeads(
        queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>, keyStride: Int,
        values: UnsafePointer<Float>, valueStride: Int, queryCount m: Int, keyCount n: Int, heads: Int,
        headDimension hd: Int, scale: Float, mask: UnsafePointer<Float>?, scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        parallelTasks(count: heads) { h in
            let s = scores + h * m * n
            GEMM.multiplySerially(
                transposeB: true, m: m, n: n, k: hd, alpha: scale, a: queries + h * hd, lda: queryStride,
                b: keys + h * hd, ldb: keyStride, c: s, ldc: n)
            for row in 0..<m {
                if let mask { GEMM.addRowVector(s + row * n, rows: 1, columns: n, vector: mask + row * n) }
                Softmax.softmaxRow(s + row * n, width: n)
            }
            GEMM.multiplySerially(
                m: m, n: hd, k: n, a: s, lda: n, b: values + h * hd, ldb: valueStride,
                c: output + h * hd, ldc: outputStride)
        }
    }
}
