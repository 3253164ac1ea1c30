/// Layer normalisation over the last dimension, `torch.nn.LayerNorm(width, eps)`.
///
/// Checkpoint keys: `weight` `[width]` (the gain), `bias` `[width]`.
public struct LayerNorm: Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let epsilon: Float
    public let parameters: ParameterRecord

    public var width: Int { weight.count }

    public init(_ scope: ParameterScope, width: Int, epsilon: Float) throws {
        self.weight = try scope.load("weight", shape: [width], initializer: .ones)
        self.bias = try scope.load("bias", shape: [width], initializer: .zeros)
        self.epsilon = epsilon
        self.parameters = scope.recorded()
    }

    /// `[..., width]` → `[..., width]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank >= 1, input.shape.last == width else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(width)]", actual: input.shape)
        }
        return try input.layerNorm(weight: weight, bias: bias, epsilon: epsilon)
    }

    /// Pointer form: normalises `rows` rows of `width`; `output` may equal `input`.
    package func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                Normalization.layerNorm(input, rows: rows, width: width, gamma: g.baseAddress, beta: b.baseAddress,
                                        epsilon: epsilon, output: output)
            }
        }
    }
}

/// RMS normalisation over the last dimension with a learned gain, as `LlamaRMSNorm`, `Idefics2RMSNorm` and
/// `torch.nn.RMSNorm`: `x / sqrt(mean(x^2) + eps) * weight`, in fp32. Checkpoint key: `weight` `[width]`.
public struct RMSNorm: Layer {
    public let weight: Tensor
    public let epsilon: Float
    public let parameters: ParameterRecord

    public var width: Int { weight.count }

    public init(_ scope: ParameterScope, width: Int, epsilon: Float) throws {
        self.weight = try scope.load("weight", shape: [width], initializer: .ones)
        self.epsilon = epsilon
        self.parameters = scope.recorded()
    }

    /// `[..., width]` → `[..., width]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank >= 1, input.shape.last == width else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(width)]", actual: input.shape)
        }
        return try input.rmsNorm(weight: weight, epsilon: epsilon)
    }
}
