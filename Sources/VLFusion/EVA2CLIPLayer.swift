public import VLAttention
public import VLCore
public import VLTransformer

/// One layer of CogVLM's EVA2-CLIP vision tower (`model.vision.transformer.layers.{i}`), **post-norm**, the math of
/// timm's `ResPostBlock`:
///
/// ```
/// x = x + input_layernorm(attention(x))           // the norm acts on the attention's output
/// x = x + post_attention_layernorm(mlp(x))
/// ```
/// `[B, N, Dv]` → `[B, N, Dv]`. Keys: `attention.query_key_value` (fused `[3Dv, Dv]` with bias, query rows first, as
/// `qkv.reshape(B, N, 3, H, hd)` reads it), `attention.dense`, `input_layernorm`, `mlp.fc1`, `mlp.fc2` (exact GELU),
/// `post_attention_layernorm` (LayerNorm, `layer_norm_eps`, 1e-6 in CogVLM).
public struct EVA2CLIPLayer: Layer {
    public let attention: MultiHeadAttention
    /// `input_layernorm`, applied to the attention's output.
    public let attentionNorm: LayerNorm
    public let mlp: MLP
    /// `post_attention_layernorm`, applied to the MLP's output.
    public let mlpNorm: LayerNorm
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration v: CogVLMVisionConfiguration) throws {
        attention = try MultiHeadAttention(scope["attention"], width: v.hiddenSize, heads: v.heads,
                                           layout: .fused(qkv: "query_key_value", output: "dense"))
        attentionNorm = try LayerNorm(scope["input_layernorm"], width: v.hiddenSize, epsilon: v.layerNormEpsilon)
        mlp = try MLP(scope["mlp"], inFeatures: v.hiddenSize, hiddenFeatures: v.intermediateSize, kind: .standard(v.activation))
        mlpNorm = try LayerNorm(scope["post_attention_layernorm"], width: v.hiddenSize, epsilon: v.layerNormEpsilon)
        parameters = scope.recorded()
    }

    /// `[B, N, Dv]` → `[B, N, Dv]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try x + attentionNorm(try attention(x))
        return try h + mlpNorm(try mlp(h))
    }
}
