/// Activations and softmax as tensor operations (each mirrors the PyTorch function named on it).
extension Tensor {
    /// The activation applied to every element (see ``Activation``).
    public func activated(_ activation: Activation) -> Tensor {
        guard activation != .identity else { return self }
        var result = self
        result.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
        return result
    }

    /// `F.gelu(x)` (erf form), or `F.gelu(x, approximate="tanh")` with `approximateTanh`.
    public func gelu(approximateTanh: Bool = false) -> Tensor { activated(approximateTanh ? .geluTanh : .gelu) }
    /// OpenAI CLIP's `x * sigmoid(1.702 x)`.
    public func quickGELU() -> Tensor { activated(.quickGELU) }
    /// `F.silu(x)`.
    public func silu() -> Tensor { activated(.silu) }
    /// `F.relu(x)`.
    public func relu() -> Tensor { activated(.relu) }
    /// `torch.sigmoid(x)`.
    public func sigmoid() -> Tensor { activated(.sigmoid) }

    /// `torch.softmax(x, dim=axis)`: `exp(x - max) / sum(exp(x - max))` along `axis`. A slice that is all
    /// `-inf` (fully masked) becomes NaN, as in PyTorch.
    public func softmax(axis: Int = -1) throws(ShapeError) -> Tensor {
        let position = try resolvedAxis(axis, operation: "softmax")
        if position != rank - 1 {
            return try transposed(position, -1).softmax(axis: -1).transposed(position, -1)
        }
        let width = shape.last ?? 1
        var result = self
        result.withUnsafeMutableBufferPointer { buffer in
            Softmax.inPlace(buffer.baseAddress!, rows: count / Swift.max(width, 1), width: width)
        }
        return result
    }
}
