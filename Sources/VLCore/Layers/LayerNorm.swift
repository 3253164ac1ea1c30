/// Layer normalisation over the last dimension, `torch.nn.LayerNorm(width, eps)`.
///
/// Checkpoint keys: `weight` `[width]` (the gain), `bias` `[width]`.
public struct LayerNorm: Layer, ParameterContainer {
    public let weight: Tensor
    public let bias: Tensor
    public let epsilon: Float
    public let path: String

    public var width: Int { weight.count }

    public init(_ scope: ParameterScope, width: Int, epsilon: Float) throws {
        self.weight = try scope.load("weight", shape: [width], initializer: .ones)
        self.bias = try scope.load("bias", shape: [width], initializer: .zeros)
        self.epsilon = epsilon
        self.path = scope.prefix
    }

    /// `[..., width]` → `[..., width]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank >= 1, input.shape.last == width else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(width)]", actual: input.shape)
        }
        return Tensor(shape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                apply(x.baseAddress!, rows: input.count / Swift.max(width, 1), output: out.baseAddress!)
            }
        }
    }

    /// Pointer form: normalises `rows` rows of `width`; `output` may equal `input`.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                Normalization.layerNorm(input, rows: rows, width: width, gamma: g.baseAddress, beta: b.baseAddress,
                                        epsilon: epsilon, output: output)
            }
        }
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try visit("weight", weight)
        try visit("bias", bias)
    }
}
