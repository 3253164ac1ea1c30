internal import CVLBlocksKernels
import Synchronization

/// Which implementation the elementwise and row kernels use.
///
/// VLBlocks' Swift targets build for baseline x86-64 (no AVX2, no FMA: a package used as a dependency
/// cannot pass target flags). On CPUs with AVX2 and FMA, activations, softmax and layer norm run hand-
/// vectorised C versions of the same algorithms (`CVLBlocksKernels`, selected at run time); elsewhere the
/// portable Swift SIMD versions run. Both meet the accuracy stated in `VectorMathTests`.
public enum VectorKernels {
    private static let detected = vlb_kernels_available() != 0
    private static let enabled = Atomic<Bool>(true)

    /// Whether the CPU has AVX2 and FMA.
    public static var isAvailable: Bool { detected }

    /// Whether the AVX2 + FMA kernels run (they do by default when the CPU has them).
    public static var isAccelerated: Bool { detected && enabled.load(ordering: .relaxed) }

    /// Turns the AVX2 + FMA kernels off or back on, for comparisons in tests and benchmarks.
    public static func setAccelerated(_ on: Bool) { enabled.store(on, ordering: .relaxed) }

    /// Applies an activation in place; false when the accelerated path is off (the caller falls back).
    static func activation(_ kind: Activation, _ x: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        guard isAccelerated else { return false }
        vlb_activation_apply(code(of: kind), x, count)
        return true
    }

    /// The C kernels' `enum vlb_activation` value of `kind` (0 for identity).
    static func code(of kind: Activation) -> Int32 {
        switch kind {
        case .identity: 0
        case .gelu: Int32(VLB_GELU.rawValue)
        case .geluTanh: Int32(VLB_GELU_TANH.rawValue)
        case .quickGELU: Int32(VLB_QUICK_GELU.rawValue)
        case .silu: Int32(VLB_SILU.rawValue)
        case .sigmoid: Int32(VLB_SIGMOID.rawValue)
        case .relu: Int32(VLB_RELU.rawValue)
        }
    }

    static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) -> Bool {
        guard isAccelerated else { return false }
        vlb_softmax_rows(x, rows, width, stride)
        return true
    }

    static func layerNorm(
        _ x: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
        epsilon: Float, output: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard isAccelerated else { return false }
        vlb_layer_norm_rows(x, rows, width, gamma, beta, epsilon, output)
        return true
    }

    /// `exp`, `erf` and `tanh` over buffers, with whichever implementation is active.
    package enum Function: Sendable, CaseIterable { case exp, erf, tanh }

    package static func evaluate(_ function: Function, _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        if isAccelerated {
            switch function {
            case .exp: vlb_exp(input, output, count)
            case .erf: vlb_erf(input, output, count)
            case .tanh: vlb_tanh(input, output, count)
            }
            return
        }
        var i = 0
        func apply(_ v: Float8) -> Float8 {
            switch function {
            case .exp: VectorMath.exp(v)
            case .erf: VectorMath.erf(v)
            case .tanh: VectorMath.tanh(v)
            }
        }
        while i + 8 <= count { apply(Float8.load(input + i)).store(output + i); i += 8 }
        if i < count { apply(Float8.loadPartial(input + i, count: count - i)).storePartial(output + i, count: count - i) }
    }
}
