import VLAttention
public import VLCore
public import VLTransformer

/// One layer of CogVLM's EVA2-CLIP vision tower (`model.vision.transformer.layers.{i}`), **post-norm**, the math of
/// timm's `ResPostBlock`:
///
/// ```
/// x = x + input_layernorm(attention(x))           // the norm acts on the attention's output
/// x = x + post_attention_layernorm(mlp(x))
/// ```
/// `[B, N, Dv]` → `[B, N, Dv]`. Keys: `attention.*` (``EVA2CLIPAttention``), `input_layernorm`, `mlp.fc1`, `mlp.fc2`
/// (`hidden_act`, exact GELU), `post_attention_layernorm` (LayerNorm, `layer_norm_eps`: 1e-6 in CogVLM).
public struct EVA2CLIPLayer: Layer {
    public let attention: EVA2CLIPAttention
    /// `input_layernorm`, applied to the attention's output.
    public let attentionNorm: LayerNorm
    public let mlp: MLP
    /// `post_attention_layernorm`, applied to the MLP's output.
    public let mlpNorm: LayerNorm
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration v: CogVLMVisionConfiguration) throws {
        attention = try EVA2CLIPAttention(scope["attention"], width: v.hiddenSize, heads: v.heads)
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

/// EVA2-CLIP's self-attention (`attention`, CogVLM's `visual.py` `Attention`, timm's `Attention`): one fused projection
/// `query_key_value [3Dv, Dv]` with bias (query rows, then key rows, then value rows: `qkv.reshape(B, N, 3, H, hd)`),
/// bidirectional attention over every token, then `dense [Dv, Dv]` with bias. `[B, N, Dv]` → `[B, N, Dv]`.
///
/// The heads run in blocks of query rows (``groupedQueryAttention(query:key:value:isCausal:keyMask:scale:)``), so the
/// scores of 9217 tokens (CogVLM2 at 1344 px) never sit in memory for every head at once.
public struct EVA2CLIPAttention: Layer {
    public let queryKeyValue: Linear
    public let dense: Linear
    public let heads: Int
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, width: Int, heads: Int) throws {
        guard heads > 0, width % heads == 0 else {
            throw ConfigurationError(field: scope.path("num_heads"), reason: "\(heads) heads do not divide the width \(width)")
        }
        queryKeyValue = try Linear(scope["query_key_value"], inFeatures: width, outFeatures: 3 * width)
        dense = try Linear(scope["dense"], inFeatures: width, outFeatures: width)
        self.heads = heads
        parameters = scope.recorded()
    }

    /// `[B, N, Dv]` → `[B, N, Dv]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3 else { throw ShapeError(path: path, tensor: "input", expected: "[B, N, \(dense.inFeatures)]", actual: x.shape) }
        let (batch, n, width) = (x.shape[0], x.shape[1], dense.inFeatures)
        let parts = try queryKeyValue(x).reshaped([batch, n, 3, heads, width / heads]).split(sizes: [1, 1, 1], axis: 2)
        let (q, k, v) = (try parts[0].squeezed(axis: 2), try parts[1].squeezed(axis: 2), try parts[2].squeezed(axis: 2))
        return try dense(try groupedQueryAttention(query: q, key: k, value: v, isCausal: false).reshaped([batch, n, width]))
    }
}
