public import VLCore

/// `F.scaled_dot_product_attention(q, repeat_kv(k), repeat_kv(v), attn_mask, is_causal)` on token-major heads, the
/// layout a projection gives (`[B, L, heads, hd]`, no transposes): the attention of LLaMA-style decoders and of
/// CogVLM's visual-expert layers.
///
/// - Parameters:
///   - query: `[B, L, H, hd]`.
///   - key, value: `[B, N, Hkv, hd]`; key-value head `j` serves query heads `j·g ..< (j+1)·g` (`g = H / Hkv`,
///     transformers' `repeat_kv` order), read in place: keys and values are not repeated.
///   - isCausal: query `i` attends to keys `j <= i` (self-attention: `L == N`), as `is_causal=True`.
///   - keyMask: `[B, N]`, 1 for a real token, 0 for padding: padded keys are never attended to.
///   - scale: default `1 / sqrt(hd)`.
/// - Returns: `[B, L, H, hd]`. A query row that may attend to no key at all (a left pad under a causal mask) gets
///   zeros, where PyTorch gives NaN; callers treat such rows as unspecified.
/// - Throws: ``ShapeError`` when the shapes do not fit together.
///
/// Heads run side by side; with `isCausal`, each block of query rows multiplies only the keys up to its last row,
/// so about half of the score matrix is never computed.
public func groupedQueryAttention(
    query: Tensor, key: Tensor, value: Tensor, isCausal: Bool, keyMask: Tensor? = nil, scale: Float? = nil
) throws(ShapeError) -> Tensor {
    let path = "grouped_query_attention"
    guard query.rank == 4 else { throw ShapeError(path: path, tensor: "query", expected: "[B, L, H, hd]", actual: query.shape) }
    let (batch, length, heads, hd) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    guard key.rank == 4, key.shape[0] == batch, key.shape[3] == hd, key.shape[2] > 0, heads % key.shape[2] == 0 else {
        throw ShapeError(path: path, tensor: "key", expected: "[\(batch), N, Hkv, \(hd)] with Hkv dividing \(heads)", actual: key.shape)
    }
    guard value.shape == key.shape else {
        throw ShapeError(path: path, tensor: "value", expected: key.shape.shapeDescription, actual: value.shape)
    }
    let (keys, kvHeads) = (key.shape[1], key.shape[2])
    if isCausal && keys != length {
        throw ShapeError(path: path, tensor: "key", expected: "\(length) keys for a causal mask over \(length) queries", actual: key.shape)
    }
    if let keyMask, keyMask.shape != [batch, keys] {
        throw ShapeError(path: path, tensor: "key_mask", expected: [batch, keys].shapeDescription, actual: keyMask.shape)
    }
    let problem = GroupedAttentionKernel.Problem(
        batch: batch, queries: length, keys: keys, heads: heads, keyValueHeads: kvHeads, headDimension: hd, causal: isCausal,
        scale: scale ?? 1 / Float(hd).squareRoot())
    return Tensor(shape: query.shape) { out in
        query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    keyMask.withOptionalPointer { mask in
                        GroupedAttentionKernel.compute(problem, query: q.baseAddress!, key: k.baseAddress!, value: v.baseAddress!,
                                                       keyMask: mask, output: out.baseAddress!)
                    }
                }
            }
        }
    }
}

/// The kernel behind ``groupedQueryAttention(query:key:value:isCausal:keyMask:scale:)``: per batch element and query
/// head, blocks of query rows through two single-threaded GEMMs (scores, then weighted values) with the softmax and the
/// masks in between, reading every head in place from the token-major buffers.
package enum GroupedAttentionKernel {
    package struct Problem: Sendable {
        package var batch: Int, queries: Int, keys: Int, heads: Int, keyValueHeads: Int, headDimension: Int
        package var causal: Bool
        package var scale: Float
    }

    /// Query rows per block: small enough that a causal block wastes little above the diagonal, large enough for
    /// efficient GEMMs.
    static let blockRows = 64

    package static func compute(
        _ p: Problem, query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        keyMask: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    ) {
        let (m, n, hd) = (p.queries, p.keys, p.headDimension)
        guard p.batch > 0, m > 0, p.heads > 0, hd > 0 else { return }
        let group = p.heads / p.keyValueHeads
        let (queryStride, keyStride) = (p.heads * hd, p.keyValueHeads * hd)
        // Per batch element: the first key that is not padding, how many real keys precede each position, and (when
        // any key is padding) the additive row that removes the padded keys.
        let masks = (0..<p.batch).map { b in KeyMask(keyMask.map { $0 + b * n }, keys: n) }
        ComputeThreads.withSingleThreadedBLAS {
            parallelTasks(count: p.batch * p.heads) { task in
                let (b, h) = (task / p.heads, task % p.heads)
                let mask = masks[b]
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: Swift.min(blockRows, m) * Swift.max(n, 1))
                defer { scores.deallocate() }
                let q = query + b * m * queryStride + h * hd
                let k = key + b * n * keyStride + (h / group) * hd
                let v = value + b * n * keyStride + (h / group) * hd
                let o = output + b * m * queryStride + h * hd
                var first = 0
                while first < m {
                    let rows = Swift.min(blockRows, m - first)
                    let start = mask.firstKept
                    let end = p.causal ? first + rows : n  // keys [start, end) can take part in this block
                    let width = end - start
                    if width <= 0 {
                        for r in 0..<rows { (o + (first + r) * queryStride).update(repeating: 0, count: hd) }
                        first += rows
                        continue
                    }
                    GEMM.multiplySerially(transposeB: true, m: rows, n: width, k: hd, alpha: p.scale, a: q + first * queryStride,
                                          lda: queryStride, b: k + start * keyStride, ldb: keyStride, c: scores, ldc: width)
                    for r in 0..<rows {
                        let row = scores + r * width, position = first + r
                        let visible = p.causal ? position + 1 - start : width  // keys [start, start + visible)
                        if visible <= 0 || mask.kept(start..<(start + visible)) == 0 {
                            row.update(repeating: 0, count: width)
                            continue
                        }
                        mask.additive?.withUnsafeBufferPointer { GEMM.addRowVector(row, rows: 1, columns: visible, vector: $0.baseAddress! + start) }
                        Softmax.softmaxRow(row, width: visible)
                        if visible < width { (row + visible).update(repeating: 0, count: width - visible) }
                    }
                    GEMM.multiplySerially(m: rows, n: hd, k: width, a: scores, lda: width, b: v + start * keyStride, ldb: keyStride,
                                          c: o + first * queryStride, ldc: queryStride)
                    first += rows
                }
            }
        }
    }

    /// A key padding mask prepared for one batch element.
    struct KeyMask {
        /// The first key that is not padding (keys before it are skipped).
        let firstKept: Int
        /// `prefix[j]`: real keys among `0 ..< j`.
        let prefix: [Int]
        /// `0` for real keys, `-inf` for padded ones; nil when no key is padding.
        let additive: [Float]?

        init(_ mask: UnsafePointer<Float>?, keys n: Int) {
            var prefix = [Int](repeating: 0, count: n + 1)
            for j in 0..<n { prefix[j + 1] = prefix[j] + (mask.map { $0[j] != 0 ? 1 : 0 } ?? 1) }
            self.prefix = prefix
            firstKept = (0..<n).first { prefix[$0 + 1] > prefix[$0] } ?? n
            additive = prefix[n] < n ? (0..<n).map { mask![$0] != 0 ? 0 : -.infinity } : nil
        }

        /// Real keys in `range`.
        func kept(_ range: Range<Int>) -> Int { prefix[range.upperBound] - prefix[range.lowerBound] }
    }
}
