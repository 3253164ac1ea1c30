/// The arithmetic of linear layers (and 1x1 convolutions, which are linear layers).
///
/// `.int8` quantises each linear weight to int8 once, when the model is built, symmetrically per output channel, and
/// each input row on every call (to 13 bits: the kernel multiplies int16 operands, so wider activations cost
/// nothing); the integer products are summed exactly in int32 (see `QuantizedWeight`). Attention
/// products, norms, softmax, depthwise and patch convolutions, embeddings and heads' non-linear parts stay fp32.
/// Its accuracy and speed on this machine: Docs/Numerics.md and Docs/Performance.md.
public enum Precision: String, Sendable, CaseIterable, Codable {
    /// fp32 weights and arithmetic (the default).
    case float32 = "fp32"
    /// int8 weights (per output channel), 13-bit activations (per row), exact int32 sums, fp32 everywhere else.
    case int8
}
