public import VLAttention
public import VLCore

/// The attention of a CogVLM decoder layer (`self_attn`, CogVLM's `VisionExpertAttention`): query-key-value through
/// the vision or the language expert per position (``ExpertRouting``), rotary embedding of queries and keys, causal
/// attention (plus padding) jointly over every position, output through the vision or the language expert.
///
/// `[B, L, D]` → `[B, L, D]`. Keys: `vision_expert_query_key_value.weight [D + 2·Hkv·hd, D]` (and `.bias` in CogVLM2),
/// `language_expert_query_key_value.weight`, `vision_expert_dense.weight [D, D]`, `language_expert_dense.weight` (no
/// biases). The fused projection holds the query rows, then the key rows, then the value rows; CogVLM2's grouped heads
/// (`num_multi_query_heads`) serve query heads `j·g ..< (j+1)·g`, as transformers' `repeat_kv`.
public struct VisualExpertAttention: Module {
    public let visionQueryKeyValue: Linear
    public let languageQueryKeyValue: Linear
    public let visionDense: Linear
    public let languageDense: Linear
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    public let rotary: RotaryEmbedding
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration c: CogVLMConfiguration) throws {
        let (d, qkv) = (c.hiddenSize, c.queryKeyValueWidth)
        visionQueryKeyValue = try Linear(scope["vision_expert_query_key_value"], inFeatures: d, outFeatures: qkv, bias: c.generation == .cogvlm2)
        visionDense = try Linear(scope["vision_expert_dense"], inFeatures: d, outFeatures: d, bias: false)
        languageQueryKeyValue = try Linear(scope["language_expert_query_key_value"], inFeatures: d, outFeatures: qkv, bias: false)
        languageDense = try Linear(scope["language_expert_dense"], inFeatures: d, outFeatures: d, bias: false)
        heads = c.attentionHeads
        keyValueHeads = c.keyValueHeadCount
        headDimension = c.headDimension
        rotary = try RotaryEmbedding(dimension: c.headDimension, base: c.rotaryBase)
        parameters = scope.recorded()
    }

    /// `x [B, L, D]` (after `input_layernorm`) → `[B, L, D]`; `table` holds the rotary angles of every position id of
    /// `routing` (``RotaryEmbedding/table(positions:)``).
    public func callAsFunction(_ x: Tensor, routing: ExpertRouting, rotaryTable table: RotaryTable) throws -> Tensor {
        let (batch, length, hd) = (routing.batch, routing.length, headDimension)
        let mixed = try routing.route(x, vision: visionQueryKeyValue, language: languageQueryKeyValue)  // [B, L, D + 2·Hkv·hd]
        let parts = try mixed.split(sizes: [heads * hd, keyValueHeads * hd, keyValueHeads * hd], axis: 2)
        let query = try parts[0].reshaped([batch, length, heads, hd]).applyingRotaryEmbedding(table, positions: routing.positionIDs)
        let key = try parts[1].reshaped([batch, length, keyValueHeads, hd]).applyingRotaryEmbedding(table, positions: routing.positionIDs)
        let value = try parts[2].reshaped([batch, length, keyValueHeads, hd])
        let context = try groupedQueryAttention(query: query, key: key, value: value, isCausal: true, keyMask: routing.keyMask)
        return try routing.route(context.reshaped([batch, length, heads * hd]), vision: visionDense, language: languageDense)
    }

    /// FLOPs over `tokens` positions of `batch` sequences: each position through one expert's projections, and causal
    /// attention (the scores and weighted values of the keys up to each query).
    public func flops(batch: Int, tokens: Int) -> Int {
        let rows = batch * tokens
        let attention = 2 * 2 * batch * heads * headDimension * (tokens * (tokens + 1) / 2)
        return languageQueryKeyValue.flops(rows: rows) + languageDense.flops(rows: rows) + attention
    }
}
