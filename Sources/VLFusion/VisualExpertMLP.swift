public import VLCore
public import VLTransformer

/// The MLP of a CogVLM decoder layer (`mlp`, CogVLM's `VisionExpertMLP`): LLaMA's SwiGLU `down(silu(gate(x)) · up(x))`
/// (no biases) through the vision or the language expert per position, each expert over its own rows in one GEMM per
/// projection.
///
/// `[B, L, D]` → `[B, L, D]`. Keys: `vision_mlp.{gate_proj,up_proj,down_proj}.weight`,
/// `language_mlp.{gate_proj,up_proj,down_proj}.weight` (`[I, D]`, `[I, D]`, `[D, I]`).
public struct VisualExpertMLP: Module {
    public let visionMLP: MLP
    public let languageMLP: MLP
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration c: CogVLMConfiguration) throws {
        visionMLP = try MLP(scope["vision_mlp"], inFeatures: c.hiddenSize, hiddenFeatures: c.intermediateSize, kind: .swiGLU,
                            layout: .gateUpDown, bias: false)
        languageMLP = try MLP(scope["language_mlp"], inFeatures: c.hiddenSize, hiddenFeatures: c.intermediateSize, kind: .swiGLU,
                              layout: .gateUpDown, bias: false)
        parameters = scope.recorded()
    }

    /// `x [B, L, D]` (after `post_attention_layernorm`) → `[B, L, D]`.
    public func callAsFunction(_ x: Tensor, routing: ExpertRouting) throws -> Tensor {
        try routing.route(x, vision: visionMLP, language: languageMLP)
    }

    /// FLOPs over `rows` positions (each through one expert).
    public func flops(rows: Int) -> Int { languageMLP.flops(rows: rows) }
}
