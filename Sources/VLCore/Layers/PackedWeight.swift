internal import CVLBlocksKernels
import Foundation
import Synchronization

/// Whether linear layers keep their weights packed for VLBlocks' AVX2 + FMA micro-kernel.
///
/// OpenBLAS packs both operands of every product; for the few hundred rows a linear layer sees per image,
/// repacking a weight of several MB costs 10-35% of the GEMM. Packed layers pack the weight once, at load,
/// into 16-column panels; the micro-kernel reads the activations in place, and applies bias, residual and
/// activation as it finishes each output tile. The choice is made when a layer is built
/// (``ParameterLoader/packWeights`` overrides it per model); packed weights replace the plain ones (no extra
/// memory). On by default in release builds on CPUs with AVX2 and FMA; off in debug builds, where the C
/// kernels are compiled without optimisation; `VLBLOCKS_PACKED_WEIGHTS=0` or `=1` in the environment, or
/// ``setEnabled(_:)``, overrides the default.
public enum WeightPacking {
    private static let state: Atomic<Bool> = {
        #if DEBUG
        let fallback = false
        #else
        let fallback = true
        #endif
        return Atomic(ProcessInfo.processInfo.environment["VLBLOCKS_PACKED_WEIGHTS"].map { $0 != "0" } ?? fallback)
    }()

    /// Whether layers built from now on pack their weights.
    public static var isEnabled: Bool { VectorKernels.isAvailable && state.load(ordering: .relaxed) }

    public static func setEnabled(_ on: Bool) { state.store(on, ordering: .relaxed) }
}

/// A linear weight kept in 16-column panels for one of VLBlocks' micro-kernels (fp32 or int8).
protocol PanelWeight: Sendable {
    /// Whether products run on the AVX2 kernel, which applies the activation in its epilogue.
    static var isAccelerated: Bool { get }

    /// `output[r, f - lo] = activation((accumulate ? output : 0) + bias[f] + input[r, :] · W[f, :])` for `f` in
    /// `features` (`lo` a multiple of 16).
    func multiply(_ input: UnsafePointer<Float>, rows: Int, inputStride: Int, features: Range<Int>,
                  output: UnsafeMutablePointer<Float>, outputStride: Int, bias: UnsafePointer<Float>?,
                  accumulate: Bool, activation: Activation)
}

/// A linear weight `[N, K]` packed into 16-row panels (`[K][16]` each) for the AVX2 + FMA micro-kernel.
package struct PackedWeight: PanelWeight {
    static var isAccelerated: Bool { VectorKernels.isAccelerated }

    package let outFeatures: Int
    package let inFeatures: Int
    let panels: Tensor

    static let panelWidth = Int(VLB_PANEL_WIDTH)

    /// Products below this many multiply-adds run on the calling thread (splitting them costs more than it gains).
    /// Tests lower it to reach the parallel split with small shapes.
    @TaskLocal package static var parallelThreshold = 2_000_000

    /// Packs `weight [N, K]`.
    package init(packing weight: Tensor) {
        precondition(weight.rank == 2, "a linear weight is [out, in]")
        let (n, k) = (weight.shape[0], weight.shape[1])
        outFeatures = n
        inFeatures = k
        panels = Tensor(shape: [vlb_packed_weight_size(n, k)], placement: .pages) { out in
            weight.withUnsafeBufferPointer { vlb_pack_weight($0.baseAddress!, n, k, out.baseAddress!) }
        }
    }

    /// The plain `[N, K]` weight.
    package func unpacked() -> Tensor {
        let (n, k) = (outFeatures, inFeatures)
        return Tensor(shape: [n, k]) { out in
            panels.withUnsafeBufferPointer { vlb_unpack_weight($0.baseAddress!, n, k, out.baseAddress!) }
        }
    }

    /// `output[r, f - features.lowerBound] += input[r, :] · W[f, :]` for `f` in `features` (whose lower bound
    /// is a multiple of 16), over `rows` rows of `input` (row stride `inputStride`) and `output` (row stride
    /// `outputStride`). Panels are split across ``ComputeThreads``; the input is read in place.
    package func multiplyAccumulate(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, features: Range<Int>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        multiply(input, rows: rows, inputStride: inputStride, features: features, output: output,
                 outputStride: outputStride, accumulate: true)
    }

    /// `output[r, f - lo] = activation((accumulate ? output[r, f - lo] : 0) + bias[f] + input[r, :] · W[f, :])`
    /// for `f` in `features` (`lo`, its lower bound, a multiple of 16): a linear layer with its bias, residual
    /// and activation applied as each output tile is finished, so none of them costs a pass over memory.
    ///
    /// `bias` is indexed by absolute feature (`[outFeatures]`) and may be nil. The sums round as "(output or 0)
    /// + bias, then add the product", exactly as filling with the bias and multiply-accumulating would. The
    /// activation uses VLBlocks' AVX2 polynomials; pass `.identity` and apply it separately to get the portable
    /// ones (when ``VectorKernels/isAccelerated`` is off).
    package func multiply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, features: Range<Int>,
        output: UnsafeMutablePointer<Float>, outputStride: Int, bias: UnsafePointer<Float>? = nil,
        accumulate: Bool, activation: Activation = .identity
    ) {
        precondition(features.lowerBound % Self.panelWidth == 0 && features.upperBound <= outFeatures, "feature range not panel-aligned")
        guard rows > 0, !features.isEmpty else { return }
        let k = inFeatures
        let activationCode = VectorKernels.code(of: activation)
        panels.withUnsafeBufferPointer { w in
            Self.splitPanels(of: features, blockPanels: vlb_packed_panel_block(k), multiplyAdds: rows * features.count * k) { p in
                vlb_packed_gemm(input, inputStride, rows, k, w.baseAddress!, features.upperBound, p.lowerBound, p.count,
                                output, outputStride, features.lowerBound, bias, accumulate ? 1 : 0, activationCode)
            }
        }
    }

    /// Runs `body` over the panels of `features` (absolute panel indices; `features.lowerBound` a multiple of 16): in
    /// tasks of half a kernel block of panels (`blockPanels` per block: a block of weights stays in L2 while every row
    /// tile passes), handed to ``ComputeThreads`` one at a time so that no thread waits long for the last one, or all
    /// on the calling thread below ``parallelThreshold`` multiply-adds. Each output element is computed by one kernel
    /// sequence whatever the split, so results do not depend on the thread count. Shared by the fp32 and int8 kernels.
    static func splitPanels(of features: Range<Int>, blockPanels: Int, multiplyAdds: Int, _ body: (Range<Int>) -> Void) {
        let firstPanel = features.lowerBound / panelWidth
        let panelCount = (features.count + panelWidth - 1) / panelWidth
        let taskPanels = max(1, blockPanels / 2)
        if multiplyAdds < parallelThreshold {
            body(firstPanel..<(firstPanel + panelCount))
        } else {
            parallelTasks(count: (panelCount + taskPanels - 1) / taskPanels) { task in
                let start = task * taskPanels
                body((firstPanel + start)..<(firstPanel + min(panelCount, start + taskPanels)))
            }
        }
    }
}
