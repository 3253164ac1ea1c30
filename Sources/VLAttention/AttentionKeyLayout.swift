public import VLCore

/// How a checkpoint names the projections of one attention module.
///
/// VLBlocks always stores the query, key and value projections fused as one `[3D, D]` matrix so that
/// a single GEMM projects every token; the layout only decides which keys are read and written.
public enum AttentionKeyLayout: Sendable, Equatable {
    /// Separate `[D, D]` projections, e.g. CLIP's `q_proj`, `k_proj`, `v_proj`, `out_proj`.
    case separate(query: String, key: String, value: String, output: String)
    /// One fused `[3D, D]` projection, e.g. timm's `qkv` with `proj` for the output.
    case fused(qkv: String, output: String)
    /// `torch.nn.MultiheadAttention`: `in_proj_weight [3D, D]`, `in_proj_bias [3D]`, `out_proj`.
    case packedInProjection

    /// CLIP and SigLIP (`self_attn.*`).
    public static let clip = AttentionKeyLayout.separate(query: "q_proj", key: "k_proj", value: "v_proj", output: "out_proj")
    /// DINOv2 as transformers 5.x names it (`attention.*`).
    public static let dinov2 = AttentionKeyLayout.separate(query: "q_proj", key: "k_proj", value: "v_proj", output: "o_proj")
    /// DINOv2 as transformers 4.x and the hub checkpoints name it.
    public static let dinov2Legacy = AttentionKeyLayout.separate(
        query: "attention.query", key: "attention.key", value: "attention.value", output: "output.dense")
    /// timm's `Attention`.
    public static let timm = AttentionKeyLayout.fused(qkv: "qkv", output: "proj")
}

/// A mask on attention scores, per batch element: `[B, M, N]` or `[M, N]` (shared by the batch) for
/// `M` queries and `N` keys, broadcast over heads.
public enum AttentionMask: Sendable {
    /// Added to the scaled scores before the softmax (`0` keeps, `-inf` removes), as `attn_mask` of a float type.
    case additive(Tensor)
    /// Nonzero entries may be attended to, zero entries may not: the boolean `attn_mask` of
    /// `scaled_dot_product_attention` (true = take part).
    case allowed(Tensor)
}
