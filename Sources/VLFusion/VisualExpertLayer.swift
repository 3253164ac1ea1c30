public import VLAttention
public import VLCore

/// One decoder layer of CogVLM's language model with its visual expert (`model.layers.{i}`, CogVLM's
/// `CogVLMDecoderLayer`): pre-RMSNorm LLaMA layer whose projections and MLP are routed per position.
///
/// ```
/// h   = x + self_attn(input_layernorm(x))            // both experts' attention, joint over every position
/// out = h + mlp(post_attention_layernorm(h))
/// ```
/// Same FLOPs per token as a plain LLaMA layer, twice the parameters; with no image in the sequence it is exactly the
/// language model's layer. RMSNorm in fp32 (`LlamaRMSNorm`). Keys: `input_layernorm.weight`, `self_attn.*`
/// (``VisualExpertAttention``), `post_attention_layernorm.weight`, `mlp.*` (``VisualExpertMLP``).
public struct VisualExpertLayer: Module {
    public let inputNorm: RMSNorm
    public let attention: VisualExpertAttention
    public let postAttentionNorm: RMSNorm
    public let mlp: VisualExpertMLP
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration c: CogVLMConfiguration) throws {
        inputNorm = try RMSNorm(scope["input_layernorm"], width: c.hiddenSize, epsilon: c.rmsNormEpsilon)
        attention = try VisualExpertAttention(scope["self_attn"], configuration: c)
        postAttentionNorm = try RMSNorm(scope["post_attention_layernorm"], width: c.hiddenSize, epsilon: c.rmsNormEpsilon)
        mlp = try VisualExpertMLP(scope["mlp"], configuration: c)
        parameters = scope.recorded()
    }

    /// `x [B, L, D]` → `[B, L, D]`. `rotaryTable` defaults to the angles of `routing`'s position ids; a stack of
    /// layers computes it once and passes it to each.
    /// - Throws: ``ShapeError`` when `x` is not `[B, L, D]` for `routing`.
    public func callAsFunction(_ x: Tensor, routing: ExpertRouting, rotaryTable: RotaryTable? = nil) throws -> Tensor {
        let table = rotaryTable ?? attention.rotary.table(positions: routing.positionCount)
        let h = try x + attention(try inputNorm(x), routing: routing, rotaryTable: table)
        return try h + mlp(try postAttentionNorm(h), routing: routing)
    }

    /// FLOPs over `tokens` positions of `batch` sequences: the same whatever the vision / language split.
    public func flops(batch: Int, tokens: Int) -> Int {
        attention.flops(batch: batch, tokens: tokens) + mlp.flops(rows: batch * tokens)
    }

    /// Parameters of one expert (a plain LLaMA layer of the same width): the language expert and the norms.
    public var languageParameterCount: Int {
        parameters.entries.filter { !$0.key.contains("vision") }.reduce(0) { $0 + $1.scalarCount }
    }
}
