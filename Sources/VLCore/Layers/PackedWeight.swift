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

/// A linear weight `[N, K]` packed into 16-row panels (`[K][16]` each) for the AVX2 + FMA micro-kernel.
package struct PackedWeight: Sendable {
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
        let firstPanel = features.lowerBound / Self.panelWidth
        let panelCount = (features.count + Self.panelWidth - 1) / Self.panelWidth
        let activationCode = VectorKernels.code(of: activation)
        // Tasks of half a kernel block of panels (a block of weights stays in L2 while every row tile passes),
        // handed to threads one at a time so that no thread waits long for the last one. Each output element is
        // computed by one kernel sequence whatever the split, so results do not depend on the thread count.
        let blockPanels = max(1, vlb_packed_panel_block(k) / 2)
        let blocks = (panelCount + blockPanels - 1) / blockPanels
        let serial = rows * features.count * k < Self.parallelThreshold
        panels.withUnsafeBufferPointer { w in
            let run = { (firstBlock: Int, blockCount: Int) in
                let start = firstBlock * blockPanels, end = min(panelCount, (firstBlock + blockCount) * blockPanels)
                vlb_packed_gemm(input, inputStride, rows, k, w.baseAddress!, features.upperBound, firstPanel + start, end - start,
                                output, outputStride, features.lowerBound, bias, accumulate ? 1 : 0, activationCode)
            }
            if serial {
                run(0, blocks)
            } else {
                parallelTasks(count: blocks) { run($0, 1) }
            }
        }
    }
}
