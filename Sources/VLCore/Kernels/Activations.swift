/// Elementwise activations, in place over a buffer, vectorised eight lanes at a time.
///
/// Each mirrors a PyTorch function: ``Activation/gelu`` is `F.gelu(x)` (erf form),
/// ``Activation/geluTanh`` `F.gelu(x, approximate="tanh")`, ``Activation/quickGELU`` OpenAI CLIP's
/// `x * sigmoid(1.702 x)`, ``Activation/silu`` `F.silu`, ``Activation/sigmoid`` `torch.sigmoid`.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case identity
    case gelu
    case geluTanh = "gelu_pytorch_tanh"
    case quickGELU = "quick_gelu"
    case silu
    case sigmoid
    case relu

    /// Parses the activation names used in Hugging Face configs (`hidden_act`).
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu", "gelu_python": self = .gelu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu_tanh": self = .geluTanh
        case "quick_gelu": self = .quickGELU
        case "silu", "swish": self = .silu
        case "sigmoid": self = .sigmoid
        case "relu": self = .relu
        case "identity", "linear": self = .identity
        default: return nil
        }
    }

    /// Applies the activation to one vector of eight lanes.
    @inlinable @inline(__always)
    public func apply(_ x: Float8) -> Float8 {
        switch self {
        case .identity: return x
        case .gelu: return 0.5 * x * (1 + VectorMath.erf(x * 0.707_106_781_186_547_5))
        case .geluTanh:
            let inner = 0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)
            return 0.5 * x * (1 + VectorMath.tanh(inner))
        case .quickGELU: return x * VectorMath.sigmoid(1.702 * x)
        case .silu: return x * VectorMath.sigmoid(x)
        case .sigmoid: return VectorMath.sigmoid(x)
        case .relu: return x.replacing(with: 0, where: x .< 0)
        }
    }

    /// Applies the activation in place to `count` scalars at `pointer`, on several threads when large.
    package func apply(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if self == .identity { return }
        parallelChunks(count: count, minimumChunk: 16_384) { range in
            self.applySerially(pointer + range.lowerBound, count: range.count)
        }
    }

    /// Applies the activation in place to every element of `tensor`.
    public func apply(to tensor: inout Tensor) {
        tensor.withUnsafeMutableBufferPointer { apply($0.baseAddress!, count: $0.count) }
    }

    /// Applies the activation in place on the calling thread only (for callers that already split work).
    package func applySerially(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if self == .identity || VectorKernels.activation(self, pointer, count: count) { return }
        applyPortably(pointer, count: count)
    }

    /// The portable Swift SIMD implementation (what runs without AVX2 and FMA).
    package func applyPortably(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity: return
        case .gelu: Self.map(pointer, count) { Activation.gelu.apply($0) }
        case .geluTanh: Self.map(pointer, count) { Activation.geluTanh.apply($0) }
        case .quickGELU: Self.map(pointer, count) { Activation.quickGELU.apply($0) }
        case .silu: Self.map(pointer, count) { Activation.silu.apply($0) }
        case .sigmoid: Self.map(pointer, count) { Activation.sigmoid.apply($0) }
        case .relu: Self.map(pointer, count) { Activation.relu.apply($0) }
        }
    }

    /// Maps `f` over the buffer; `f` is specialised per case so the loop body has no switch.
    @inlinable @inline(__always)
    static func map(_ pointer: UnsafeMutablePointer<Float>, _ count: Int, _ f: (Float8) -> Float8) {
        var i = 0
        while i + 8 <= count {
            f(Float8.load(pointer + i)).store(pointer + i)
            i += 8
        }
        if i < count {
            f(Float8.loadPartial(pointer + i, count: count - i)).storePartial(pointer + i, count: count - i)
        }
    }
}
