/// Normalisation over the last axis, as `F.layer_norm` and `LlamaRMSNorm` / `torch.nn.RMSNorm` compute it.
extension Tensor {
    /// `F.layer_norm(x, [D], weight, bias, eps)`: `(x - mean) / sqrt(var + eps) * weight + bias` over the last
    /// axis `D` (biased variance); `weight` and `bias` are `[D]` or nil.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float) throws(ShapeError) -> Tensor {
        let width = try normalizedWidth(weight: weight, bias: bias, operation: "layer_norm")
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                weight.withOptionalPointer { g in
                    bias.withOptionalPointer { b in
                        Normalization.layerNorm(x.baseAddress!, rows: count / Swift.max(width, 1), width: width, gamma: g, beta: b,
                                                epsilon: epsilon, output: out.baseAddress!)
                    }
                }
            }
        }
    }

    /// RMS normalisation over the last axis: `x / sqrt(mean(x^2) + eps) * weight`, computed in fp32 as
    /// `LlamaRMSNorm`, `Idefics2RMSNorm` and `torch.nn.RMSNorm` do; `weight` is `[D]` or nil.
    public func rmsNorm(weight: Tensor?, epsilon: Float) throws(ShapeError) -> Tensor {
        let width = try normalizedWidth(weight: weight, bias: nil, operation: "rms_norm")
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                weight.withOptionalPointer { g in
                    Normalization.rmsNorm(x.baseAddress!, rows: count / Swift.max(width, 1), width: width, gamma: g, epsilon: epsilon,
                                          output: out.baseAddress!)
                }
            }
        }
    }

    private func normalizedWidth(weight: Tensor?, bias: Tensor?, operation: String) throws(ShapeError) -> Int {
        guard rank >= 1 else { throw ShapeError(path: operation, tensor: "input", expected: "[..., D]", actual: shape) }
        let width = shape[rank - 1]
        for (name, parameter) in [("weight", weight), ("bias", bias)] {
            if let parameter, parameter.shape != [width] {
                throw ShapeError(path: operation, tensor: name, expected: [width].shapeDescription, actual: parameter.shape)
            }
        }
        return width
    }
}
