public import VLCore

extension AttentionMask {
    /// The causal mask of `F.scaled_dot_product_attention(is_causal=True)`: query `i` may attend to key `j`
    /// when `j <= i` (top-left aligned, `torch.ones(M, N).tril()`). `[M, N]`.
    public static func causal(queries m: Int, keys n: Int) -> AttentionMask {
        .allowed(Tensor(shape: [m, n]) { out in
            for i in 0..<m { for j in 0..<n { out[i * n + j] = j <= i ? 1 : 0 } }
        })
    }

    /// A padding mask from a tokenizer's `attention_mask [B, N]` (1 = a real token, 0 = padding): every query
    /// may attend to the real keys only. `[B, M, N]`.
    /// - Throws: ``ShapeError`` when `attentionMask` is not `[B, N]`.
    public static func padding(_ attentionMask: Tensor, queries m: Int) throws(ShapeError) -> AttentionMask {
        guard attentionMask.rank == 2 else {
            throw ShapeError(path: "attention_mask", tensor: "attention_mask", expected: "[B, N]", actual: attentionMask.shape)
        }
        let (batch, n) = (attentionMask.shape[0], attentionMask.shape[1])
        return .allowed(try attentionMask.reshaped([batch, 1, n]).expanded(to: [batch, m, n]))
    }

    /// A padding mask over keys for attention on `[B, H, M, N]` scores: `attentionMask [B, N]` (1 = a real token,
    /// 0 = padding) as `[B, 1, 1, N]`, broadcast over heads and queries.
    /// - Throws: ``ShapeError`` naming `path` when the mask is not `[batch, tokens]`.
    public static func keys(_ attentionMask: Tensor, batch: Int, tokens: Int, path: String) throws(ShapeError) -> AttentionMask {
        guard attentionMask.shape == [batch, tokens] else {
            throw ShapeError(path: path, tensor: "attention_mask", expected: [batch, tokens].shapeDescription, actual: attentionMask.shape)
        }
        return .allowed(try attentionMask.reshaped([batch, 1, 1, tokens]))
    }

    /// The mask as additive scores (`0` keeps, `-inf` removes), the form both kinds are applied in.
    public var additiveScores: Tensor {
        switch self {
        case .additive(let tensor): tensor
        case .allowed(let tensor): tensor.mapAllowed()
        }
    }

    /// Both masks at once: a score is kept only where both keep it. Shapes broadcast (`[M, N]` with `[B, M, N]`).
    public func combined(with other: AttentionMask) throws(ShapeError) -> AttentionMask {
        .additive(try additiveScores + other.additiveScores)
    }
}

extension Tensor {
    /// 0 where the element is nonzero, `-inf` where it is zero.
    fileprivate func mapAllowed() -> Tensor {
        Tensor(shape: shape) { out in
            withUnsafeBufferPointer { source in
                for i in 0..<source.count { out[i] = source[i] != 0 ? 0 : -.infinity }
            }
        }
    }
}

/// `F.scaled_dot_product_attention(query, key, value, attn_mask, scale=scale)`:
/// `softmax(query · keyᵀ · scale + mask) · value` over the last two axes, batched over the leading ones.
///
/// - Parameters:
///   - query: `[..., M, E]`; key: `[..., N, E]`; value: `[..., N, Ev]` (leading axes broadcast, e.g. `[B, H]`).
///   - mask: added to the scaled scores `[..., M, N]` under broadcasting (or, for ``AttentionMask/allowed(_:)``,
///     the entries that may take part).
///   - scale: default `1 / sqrt(E)`.
/// - Returns: `[..., M, Ev]`.
/// - Throws: ``ShapeError`` when the shapes do not fit together.
public func scaledDotProductAttention(
    query: Tensor, key: Tensor, value: Tensor, mask: AttentionMask? = nil, scale: Float? = nil
) throws(ShapeError) -> Tensor {
    guard query.rank >= 2, key.rank == query.rank, value.rank == query.rank, query.shape.last == key.shape.last,
          key.shape[key.rank - 2] == value.shape[value.rank - 2]
    else {
        throw ShapeError(path: "scaled_dot_product_attention", tensor: "key, value",
                         expected: "[..., N, \(query.shape.last ?? 0)] and [..., N, Ev] for query \(query.shape.shapeDescription)",
                         actual: key.shape)
    }
    let factor = scale ?? 1 / Float(query.shape[query.rank - 1]).squareRoot()
    var scores = try query.matmul(key, transposeOther: true) * factor
    if let mask { scores = try scores + mask.additiveScores }
    return try scores.softmax(axis: -1).matmul(value)
}
