/// Bicubic resampling of feature grids, matching `torch.nn.functional.interpolate(mode="bicubic",
/// align_corners=False)` with and without `antialias=True`.
///
/// Both modes are separable: each output coordinate along an axis is a weighted sum of input
/// coordinates along that axis. ``ResamplingAxis`` holds those taps; ``Resampling/bicubic`` applies
/// them along height and width of a channels-last grid.
package enum Resampling {
    /// The bicubic kernel family.
    package enum Filter: Sendable, Equatable {
        /// `antialias=False`: Keys' cubic with a = -0.75, four taps, out-of-range taps clamped to the border.
        case bicubic
        /// `antialias=True`: cubic with a = -0.5, support widened by the scale when downsampling,
        /// out-of-range taps dropped and the remaining weights renormalised.
        case bicubicAntialiased
    }

    /// Resizes `input[height, width, channels]` (channels-last) to `[outHeight, outWidth, channels]`.
    ///
    /// - Parameter scale: when non-nil, the `(height, width)` scale factors a caller passed to
    ///   `interpolate(scale_factor=...)`; sampling positions then use `1 / scale` as PyTorch does
    ///   (with `recompute_scale_factor` unset) rather than `in / out`.
    package static func bicubic(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
        outHeight: Int, outWidth: Int, filter: Filter, scale: (Double, Double)? = nil,
        output: UnsafeMutablePointer<Float>
    ) {
        let rowsAxis = ResamplingAxis(inputSize: height, outputSize: outHeight, filter: filter,
                                      scaleFactor: scale?.0)
        let columnsAxis = ResamplingAxis(inputSize: width, outputSize: outWidth, filter: filter,
                                         scaleFactor: scale?.1)
        // Width pass first into [height, outWidth, C], then height pass: PyTorch's order.
        let intermediate = UnsafeMutablePointer<Float>.allocate(capacity: height * outWidth * channels)
        defer { intermediate.deallocate() }
        for y in 0..<height {
            columnsAxis.resample(
                input + y * width * channels, outerStride: channels, channels: channels,
                output: intermediate + y * outWidth * channels, outputStride: channels)
        }
        for x in 0..<outWidth {
            rowsAxis.resample(
                intermediate + x * channels, outerStride: outWidth * channels, channels: channels,
                output: output + x * channels, outputStride: outWidth * channels)
        }
    }

    /// Resizes a `[height, width, channels]` tensor; see ``bicubic(_:height:width:channels:outHeight:outWidth:filter:scale:output:)``.
    package static func bicubic(
        _ grid: Tensor, outHeight: Int, outWidth: Int, filter: Filter, scale: (Double, Double)? = nil
    ) throws(ShapeError) -> Tensor {
        guard grid.rank == 3, outHeight > 0, outWidth > 0 else {
            throw ShapeError(path: "Resampling.bicubic", tensor: "grid", expected: "[H, W, C] and a positive output size",
                             actual: grid.shape)
        }
        let (h, w, c) = (grid.shape[0], grid.shape[1], grid.shape[2])
        return Tensor(shape: [outHeight, outWidth, c]) { out in
            grid.withUnsafeBufferPointer { source in
                bicubic(source.baseAddress!, height: h, width: w, channels: c, outHeight: outHeight,
                        outWidth: outWidth, filter: filter, scale: scale, output: out.baseAddress!)
            }
        }
    }
}

/// The taps of a one-dimensional resampling: for each output index, input indices and weights.
package struct ResamplingAxis: Sendable {
    /// Input index of each tap, `taps` per output index.
    package private(set) var indices: [Int]
    /// Weight of each tap.
    package private(set) var weights: [Float]
    /// Taps per output index (padded with zero weights where an output needs fewer).
    package let taps: Int
    package let outputSize: Int

    /// Computes the taps as PyTorch's CPU kernels do (`area_pixel_compute_source_index` for the
    /// plain bicubic; `_compute_index_ranges_weights` with the a = -0.5 filter for antialiasing).
    package init(inputSize: Int, outputSize: Int, filter: Resampling.Filter, scaleFactor: Double? = nil) {
        self.outputSize = outputSize
        // PyTorch: scale = 1 / scale_factor (computed in double, then rounded) when one was given,
        // else in / out.
        let scale: Float = scaleFactor.map { Float(1 / $0) } ?? Float(inputSize) / Float(outputSize)
        switch filter {
        case .bicubic:
            // Sample positions use PyTorch's fp32 scale; the weights are evaluated in Double, which
            // removes the cancellation error (~1e-6) of evaluating the cubic in fp32.
            let a = -0.75
            taps = 4
            indices = []
            weights = []
            indices.reserveCapacity(outputSize * 4)
            weights.reserveCapacity(outputSize * 4)
            for i in 0..<outputSize {
                let source = scale * (Float(i) + 0.5) - 0.5
                let floorSource = source.rounded(.down)
                let t = Double(source - floorSource)
                let base = Int(floorSource)
                let w: [Double] = [
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
                ]
                for k in 0..<4 {
                    indices.append(Swift.min(Swift.max(base - 1 + k, 0), inputSize - 1))
                    weights.append(Float(w[k]))
                }
            }
        case .bicubicAntialiased:
            let a = -0.5
            func cubic(_ value: Double) -> Double {
                let x = abs(value)
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
            // Window bounds as PyTorch computes them (fp32); weights in Double, normalised, rounded.
            let support: Float = scale >= 1 ? 2 * scale : 2
            let inverseScale = scale >= 1 ? 1 / Double(scale) : 1
            var ranges: [(start: Int, weights: [Float])] = []
            for i in 0..<outputSize {
                let center = scale * (Float(i) + 0.5)
                let start = Swift.max(Int(center - support + 0.5), 0)
                let end = Swift.min(Int(center + support + 0.5), inputSize)
                let raw = (0..<Swift.max(end - start, 0)).map { j in
                    cubic((Double(j + start) - Double(center) + 0.5) * inverseScale)
                }
                let total = raw.reduce(0, +)
                ranges.append((start, raw.map { Float(total != 0 ? $0 / total : $0) }))
            }
            taps = Swift.max(ranges.map(\.weights.count).max() ?? 0, 1)
            indices = []
            weights = []
            for range in ranges {
                for k in 0..<taps {
                    let inside = k < range.weights.count
                    indices.append(inside ? range.start + k : Swift.min(range.start, inputSize - 1))
                    weights.append(inside ? range.weights[k] : 0)
                }
            }
        }
    }

    /// `output[o * outputStride + c] = sum_k weight[o, k] * input[index[o, k] * outerStride + c]`.
    func resample(
        _ input: UnsafePointer<Float>, outerStride: Int, channels: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        indices.withUnsafeBufferPointer { index in
            weights.withUnsafeBufferPointer { weight in
                for o in 0..<outputSize {
                    let destination = output + o * outputStride
                    for c in 0..<channels { destination[c] = 0 }
                    for k in 0..<taps {
                        let w = weight[o * taps + k]
                        if w == 0 { continue }
                        let source = input + index[o * taps + k] * outerStride
                        for c in 0..<channels { destination[c] += w * source[c] }
                    }
                }
            }
        }
    }
}
