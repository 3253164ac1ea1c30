/// A fully connected layer, `torch.nn.Linear`: `y[..., out] = x[..., in] · weight[out, in]ᵀ + bias[out]`.
///
/// All rows of the input (every token of every batch element) go through one GEMM.
/// Checkpoint keys: `weight` `[out, in]`, `bias` `[out]`.
public struct Linear: Layer, ParameterContainer {
    /// `[out, in]`, PyTorch's layout.
    public let weight: Tensor
    /// `[out]`, or nil for `bias=False`.
    public let bias: Tensor?
    /// The module's dotted path, for error messages.
    public let path: String

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// Builds the layer from `scope` (`scope.weight`, `scope.bias`).
    public init(_ scope: ParameterScope, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        self.weight = try scope.load("weight", shape: [outFeatures, inFeatures], initializer: .fanIn(inFeatures))
        self.bias = bias ? try scope.load("bias", shape: [outFeatures], initializer: .fanIn(inFeatures)) : nil
        self.path = scope.prefix
    }

    /// Wraps existing tensors.
    public init(weight: Tensor, bias: Tensor?, path: String = "linear") throws(ShapeError) {
        guard weight.rank == 2 else {
            throw ShapeError(path: path, tensor: "weight", expected: "[out, in]", actual: weight.shape)
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ShapeError(path: path, tensor: "bias", expected: [weight.shape[0]].shapeDescription, actual: bias.shape)
        }
        self.weight = weight
        self.bias = bias
        self.path = path
    }

    /// `[..., in]` → `[..., out]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank >= 1, input.shape.last == inFeatures else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(inFeatures)]", actual: input.shape)
        }
        let rows = input.count / Swift.max(inFeatures, 1)
        return Tensor(shape: Array(input.shape.dropLast()) + [outFeatures]) { out in
            input.withUnsafeBufferPointer { x in
                apply(x.baseAddress!, rows: rows, output: out.baseAddress!)
            }
        }
    }

    /// Pointer form for fused pipelines: `output[rows, out] (+)= input[rows, in] · Wᵀ + b`.
    /// With `accumulate`, `output` keeps its contents and the result is added (a fused residual).
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        weight.withUnsafeBufferPointer { w in
            if let bias {
                bias.withUnsafeBufferPointer { b in
                    GEMM.linear(input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!,
                                bias: b.baseAddress!, outFeatures: outFeatures, output: output, accumulate: accumulate)
                }
            } else {
                GEMM.linear(input: input, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!,
                            bias: nil, outFeatures: outFeatures, output: output, accumulate: accumulate)
            }
        }
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try visit("weight", weight)
        if let bias { try visit("bias", bias) }
    }

    /// Multiply-adds of one call on `rows` rows, times two: the FLOP count of the GEMM.
    public func flops(rows: Int) -> Int { 2 * rows * inFeatures * outFeatures }
}
