internal import CVLBlocksBLAS

/// Matrix products through OpenBLAS' `cblas_sgemm`, row-major, transposes through CBLAS flags.
package enum GEMM {
    /// `C[M, N] = alpha * op(A) op(B) + beta * C`, where `op(A)` is `[M, K]` and `op(B)` is `[K, N]`.
    ///
    /// - Parameters:
    ///   - transposeA: `A` is stored `[K, M]` (row stride `lda`) and used transposed.
    ///   - transposeB: `B` is stored `[N, K]` (row stride `ldb`) and used transposed, as a PyTorch
    ///     linear weight `[out, in]` is.
    ///   - lda, ldb, ldc: row strides in elements; they may exceed the row length to address one head
    ///     of a fused `[tokens, 3 * D]` buffer without copying.
    ///
    /// Large products are split into blocks of columns of `C` (or rows, when `C` is narrow), one
    /// single-threaded `cblas_sgemm` per block on ``ComputeThreads/count`` threads. The result is identical
    /// run to run at a fixed thread count; across thread counts it can differ by rounding, because OpenBLAS
    /// blocks a narrower range differently.
    package static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let threads = ComputeThreads.count
        let work = Double(m) * Double(n) * Double(k)
        // One OpenBLAS scope for the whole product: the blocks on the workers nest inside it.
        ComputeThreads.withSingleThreadedBLAS {
            multiplySplit(threads: threads, work: work, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    private static func multiplySplit(
        threads: Int, work: Double, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard threads > 1, work >= 4_000_000 else {
            multiplySerially(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if n >= 64 * threads {
            // One column block per thread, a multiple of 16 wide (the kernel's register tile): narrower
            // blocks lower OpenBLAS' efficiency more than they gain in balance (measured).
            let blocks = threads
            parallelChunks(count: blocks, minimumChunk: 1) { range in
                for block in range {
                    let start = (n * block / blocks) & ~15
                    let end = block == blocks - 1 ? n : (n * (block + 1) / blocks) & ~15
                    if end <= start { continue }
                    let bBlock = transposeB ? b + start * ldb : b + start
                    multiplySerially(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k, alpha: alpha,
                                     a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: c + start, ldc: ldc)
                }
            }
        } else {
            let blocks = Swift.min(threads, Swift.max(1, m / 8))
            parallelChunks(count: blocks, minimumChunk: 1) { range in
                for block in range {
                    let start = m * block / blocks, end = m * (block + 1) / blocks
                    if end <= start { continue }
                    let aBlock = transposeA ? a + start : a + start * lda
                    multiplySerially(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k, alpha: alpha,
                                     a: aBlock, lda: lda, b: b, ldb: ldb, beta: beta, c: c + start * ldc, ldc: ldc)
                }
            }
        }
    }

    /// The same product as ``multiply(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` on the
    /// calling thread only, for callers that already run one task per thread (attention heads).
    package static func multiplySerially(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            scaleRows(c, m: m, n: n, ldc: ldc, beta: beta)
            return
        }
        sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    static func sgemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max), "GEMM size exceeds BLAS int")
        ComputeThreads.withSingleThreadedBLAS {
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        }
    }

    static func scaleRows(_ c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
        for row in 0..<m {
            let r = c + row * ldc
            for j in 0..<n { r[j] = beta == 0 ? 0 : beta * r[j] }
        }
    }

    /// Strided batched form: for each `i` in `0..<batch`, `C_i = alpha * op(A_i) op(B_i) + beta * C_i` with
    /// `X_i = X + i * strideX`; the problems run side by side on ``ComputeThreads/count`` threads.
    package static func multiplyBatched(
        batch: Int,
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: Int,
        b: UnsafePointer<Float>, ldb: Int, strideB: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int
    ) {
        ComputeThreads.withSingleThreadedBLAS {
            multiplyEach(batch: batch, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                         strideA: strideA, b: b, ldb: ldb, strideB: strideB, beta: beta, c: c, ldc: ldc, strideC: strideC)
        }
    }

    private static func multiplyEach(
        batch: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int
    ) {
        parallelChunks(count: batch, minimumChunk: 1) { range in
            for i in range {
                multiplySerially(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb, beta: beta,
                    c: c + i * strideC, ldc: ldc)
            }
        }
    }

    /// A linear layer over all rows at once, as `torch.nn.functional.linear`:
    /// `output[M, out] = input[M, in] · weight[out, in]ᵀ + bias[out]`, in one GEMM.
    ///
    /// The bias is written into `output` first and the product accumulated onto it (`beta = 1`).
    /// With `accumulate: true` the existing contents of `output` are kept and the result added to
    /// them, which fuses a residual connection into the same GEMM.
    package static func linear(
        input: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
        output: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        if let bias {
            if accumulate {
                addRowVector(output, rows: rows, columns: outFeatures, vector: bias)
            } else {
                for r in 0..<rows { (output + r * outFeatures).update(from: bias, count: outFeatures) }
            }
        }
        multiply(
            transposeB: true, m: rows, n: outFeatures, k: inFeatures,
            a: input, lda: inFeatures, b: weight, ldb: inFeatures,
            beta: (bias != nil || accumulate) ? 1 : 0, c: output, ldc: outFeatures)
    }

    /// `matrix[r, :] += vector` for every row.
    package static func addRowVector(
        _ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, vector: UnsafePointer<Float>
    ) {
        for r in 0..<rows {
            let row = matrix + r * columns
            var j = 0
            while j + 8 <= columns {
                (Float8.load(row + j) + Float8.load(vector + j)).store(row + j)
                j += 8
            }
            while j < columns {
                row[j] += vector[j]
                j += 1
            }
        }
    }
}
