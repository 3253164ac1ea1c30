internal import CVLBlocksKernels

/// Bytes that live as long as a model, placed as `StoragePlacement.pages` places weights.
final class WeightBytes: @unchecked Sendable {
    let count: Int
    private let memory: PlacedMemory

    init(count: Int) {
        self.count = count
        memory = PlacedMemory(bytes: count, placement: .pages)
    }

    var pointer: UnsafeMutableRawPointer { memory.pointer }
    var hasOwnPages: Bool { memory.hasOwnPages }

    deinit { memory.release() }
}

/// A linear weight `[N, K]` quantised to int8, symmetric per output channel (`scale[n] = max|W[n, :]| / 127`), packed
/// into 16-column panels of k pairs for the int8 micro-kernel (`int8_gemm.c`).
///
/// A call quantises each input row symmetrically to 13 bits (`max|x[r, :]| / 4095`), multiplies with `vpmaddwd` on int16
/// operands (no saturation; the int32 sums are exact), and scales, adds the bias, the residual and
/// the activation as each tile is finished, as the fp32 packed kernel does. Without AVX2 a portable C loop gives the
/// same integer sums.
package struct QuantizedWeight: PanelWeight {
    package let outFeatures: Int
    package let inFeatures: Int
    let values: WeightBytes
    let scales: Tensor

    static let panelWidth = Int(VLB_PANEL_WIDTH)

    /// Runs the portable C loop even where the AVX2 kernel could run (tests reach that path with it).
    @TaskLocal package static var prefersPortableKernel = false

    /// Whether products run on the AVX2 kernel, which applies the activation in its epilogue.
    package static var isAccelerated: Bool { VectorKernels.isAccelerated && !prefersPortableKernel }

    /// Quantises and packs `weight [N, K]`.
    package init(quantizing weight: Tensor) {
        precondition(weight.rank == 2, "a linear weight is [out, in]")
        let (n, k) = (weight.shape[0], weight.shape[1])
        outFeatures = n
        inFeatures = k
        let values = WeightBytes(count: vlb_int8_weight_size(n, k))
        var scales = Tensor(shape: [n])
        scales.withUnsafeMutableBufferPointer { s in
            weight.withUnsafeBufferPointer { w in
                vlb_quantize_weight(w.baseAddress!, n, k, values.pointer.assumingMemoryBound(to: Int8.self), s.baseAddress!)
            }
        }
        self.values = values
        self.scales = scales
    }

    /// The weight the integers stand for, `[N, K]` (each row's int8 values times its scale).
    package func dequantized() -> Tensor {
        let (n, k) = (outFeatures, inFeatures)
        return Tensor(shape: [n, k]) { out in
            scales.withUnsafeBufferPointer { s in
                vlb_dequantize_weight(values.pointer.assumingMemoryBound(to: Int8.self), s.baseAddress!, n, k, out.baseAddress!)
            }
        }
    }

    /// Bytes the weight occupies (int8 values and fp32 scales).
    package var byteCount: Int { values.count + 4 * scales.count }

    /// `output[r, f - lo] = activation((accumulate ? output : 0) + bias[f] + sx[r] sw[f] Σ qx[r, k] qw[f, k])` for `f` in
    /// `features` (`lo`, its lower bound, a multiple of 16), over `rows` rows of `input` (row stride `inputStride`):
    /// the rows are quantised once, then panels are split across ``ComputeThreads`` as for packed fp32 weights.
    /// `activation` is applied in the epilogue with the AVX2 kernels and by the caller otherwise (pass `.identity` then).
    package func multiply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, features: Range<Int>,
        output: UnsafeMutablePointer<Float>, outputStride: Int, bias: UnsafePointer<Float>?,
        accumulate: Bool, activation: Activation
    ) {
        precondition(features.lowerBound % Self.panelWidth == 0 && features.upperBound <= outFeatures, "feature range not panel-aligned")
        guard rows > 0, !features.isEmpty else { return }
        let k = inFeatures, kPadded = vlb_int8_padded_k(k)
        let quantized = UnsafeMutablePointer<Int16>.allocate(capacity: rows * kPadded)
        let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        defer {
            quantized.deallocate()
            rowScales.deallocate()
        }
        let quantizeRows = { (range: Range<Int>) in
            vlb_quantize_rows(input + range.lowerBound * inputStride, inputStride, range.count, k,
                              quantized + range.lowerBound * kPadded, rowScales + range.lowerBound)
        }
        if rows * k < 1 << 16 { quantizeRows(0..<rows) } else { parallelChunks(count: rows, minimumChunk: 16, quantizeRows) }

        let accelerated = Self.isAccelerated
        let activationCode = accelerated ? VectorKernels.code(of: activation) : 0
        let weights = UnsafePointer(values.pointer.assumingMemoryBound(to: Int8.self))
        scales.withUnsafeBufferPointer { columnScales in
            PackedWeight.splitPanels(of: features, blockPanels: vlb_int8_panel_block(k), multiplyAdds: rows * features.count * k) { p in
                if accelerated {
                    vlb_int8_gemm(quantized, rows, k, rowScales, weights, columnScales.baseAddress!, features.upperBound,
                                  p.lowerBound, p.count, output, outputStride, features.lowerBound, bias,
                                  accumulate ? 1 : 0, activationCode)
                } else {
                    vlb_int8_gemm_portable(quantized, rows, k, rowScales, weights, columnScales.baseAddress!, features.upperBound,
                                           p.lowerBound, p.count, output, outputStride, features.lowerBound, bias,
                                           accumulate ? 1 : 0)
                }
            }
        }
    }
}
