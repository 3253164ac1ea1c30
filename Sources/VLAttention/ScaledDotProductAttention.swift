public import VLCore

/// The per-head core of attention on strided buffers, for one batch element:
/// `output_h = softmax(scale * Q_h K_hᵀ + mask) V_h` for every head `h`.
public enum ScaledDotProductAttention {
    /// - Parameters:
    ///   - queries, keys, values: row-major token matrices whose head `h` occupies columns
    ///     `h * headDimension ..< (h + 1) * headDimension`, with the given row strides.
    ///   - mask: optional additive `[queryCount, keyCount]` mask shared by the heads.
    ///   - scores: scratch of `heads * queryCount * keyCount` scalars.
    ///   - output: `[queryCount, outputStride]`, head `h` written to its column block.
    public static func compute(
        queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>, keyStride: Int,
        values: UnsafePointer<Float>, valueStride: Int, queryCount m: Int, keyCount n: Int, heads: Int,
        headDimension hd: Int, scale: Float, mask: UnsafePointer<Float>?, scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        for h in 0..<heads {
            GEMM.multiply(
                transposeB: true, m: m, n: n, k: hd, alpha: scale, a: queries + h * hd, lda: queryStride,
                b: keys + h * hd, ldb: keyStride, c: scores + h * m * n, ldc: n)
        }
        if let mask {
            parallelChunks(count: heads * m, minimumChunk: 64) { range in
                for row in range {
                    GEMM.addRowVector(scores + row * n, rows: 1, columns: n, vector: mask + (row % m) * n)
                }
            }
        }
        Softmax.inPlace(scores, rows: heads * m, width: n)
        for h in 0..<heads {
            GEMM.multiply(
                m: m, n: hd, k: n, a: scores + h * m * n, lda: n, b: values + h * hd, ldb: valueStride,
                c: output + h * hd, ldc: outputStride)
        }
    }
}
