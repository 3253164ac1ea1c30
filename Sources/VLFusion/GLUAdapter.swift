public import VLCore

/// CogVLM's vision-to-language adapter (`model.vision.linear_proj`, the `GLU` of `visual.py`; the math of transformers'
/// `Glm4vVisionPatchMerger`):
///
/// ```
/// h   = gelu(norm1(linear_proj(x)))               // LayerNorm eps 1e-5, exact GELU
/// out = dense_4h_to_h(silu(gate_proj(h)) · dense_h_to_4h(h))
/// ```
/// `[B, T, Din]` → `[B, T, D]`, no biases. `Din` is the tower's width in CogVLM, `D` in CogVLM2 (after the 2x2 merge);
/// the inner width is the language model's `intermediate_size`. Keys: `linear_proj.weight [D, Din]`, `norm1.{weight,bias}`,
/// `gate_proj.weight [I, D]`, `dense_h_to_4h.weight [I, D]`, `dense_4h_to_h.weight [D, I]`.
public struct GLUAdapter: Layer {
    public let projection: Linear
    public let norm: LayerNorm
    public let gate: Linear
    public let up: Linear
    public let down: Linear
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, inFeatures: Int, width: Int, hiddenFeatures: Int) throws {
        projection = try Linear(scope["linear_proj"], inFeatures: inFeatures, outFeatures: width, bias: false)
        norm = try LayerNorm(scope["norm1"], width: width, epsilon: 1e-5)
        gate = try Linear(scope["gate_proj"], inFeatures: width, outFeatures: hiddenFeatures, bias: false)
        up = try Linear(scope["dense_h_to_4h"], inFeatures: width, outFeatures: hiddenFeatures, bias: false)
        down = try Linear(scope["dense_4h_to_h"], inFeatures: hiddenFeatures, outFeatures: width, bias: false)
        parameters = scope.recorded()
    }

    /// `[B, T, Din]` → `[B, T, D]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try norm(try projection(x)).gelu()
        return try down(try gate(h).silu() * up(h))
    }

    /// FLOPs over `rows` tokens.
    public func flops(rows: Int) -> Int {
        projection.flops(rows: rows) + gate.flops(rows: rows) + up.flops(rows: rows) + down.flops(rows: rows)
    }
}
