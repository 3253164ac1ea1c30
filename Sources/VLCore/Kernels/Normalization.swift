/// Layer normalisation kernels.
package enum Normalization {
    /// Normalises each row of `input[rows, width]` over its `width` elements, as
    /// `torch.nn.functional.layer_norm(x, [width], gamma, beta, eps)`:
    /// `y = (x - mean) / sqrt(var + eps) * gamma + beta`, with the biased variance.
    ///
    /// `output` may be `input` (in place). Rows are spread over ``ComputeThreads``.
    package static func layerNorm(
        _ input: UnsafePointer<Float>, rows: Int, width: Int,
        gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        parallelChunks(count: rows, minimumChunk: Swift.max(1, 4096 / Swift.max(width, 1))) { range in
            if VectorKernels.layerNorm(input + range.lowerBound * width, rows: range.count, width: width, gamma: gamma, beta: beta,
                                       epsilon: epsilon, output: output + range.lowerBound * width) {
                return
            }
            for row in range {
                normalizeRow(input + row * width, width: width, gamma: gamma, beta: beta, epsilon: epsilon,
                             output: output + row * width)
            }
        }
    }

    /// The portable Swift SIMD implementation of one row (what runs without AVX2 and FMA).
    package static func normalizeRow(
        _ x: UnsafePointer<Float>, width: Int, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
        epsilon: Float, output y: UnsafeMutablePointer<Float>
    ) {
        let vectorEnd = width & ~7
        var sum8 = Float8()
        var i = 0
        while i < vectorEnd { sum8 += Float8.load(x + i); i += 8 }
        var sum = sum8.sum()
        while i < width { sum += x[i]; i += 1 }
        let mean = sum / Float(width)

        var squares8 = Float8()
        i = 0
        let mean8 = Float8(repeating: mean)
        while i < vectorEnd {
            let d = Float8.load(x + i) - mean8
            squares8 += d * d
            i += 8
        }
        var squares = squares8.sum()
        while i < width { let d = x[i] - mean; squares += d * d; i += 1 }
        let inverseStd = 1 / (squares / Float(width) + epsilon).squareRoot()

        let scale8 = Float8(repeating: inverseStd)
        i = 0
        while i < vectorEnd {
            var v = (Float8.load(x + i) - mean8) * scale8
            if let gamma { v *= Float8.load(gamma + i) }
            if let beta { v += Float8.load(beta + i) }
            v.store(y + i)
            i += 8
        }
        while i < width {
            var v = (x[i] - mean) * inverseStd
            if let gamma { v *= gamma[i] }
            if let beta { v += beta[i] }
            y[i] = v
            i += 1
        }
    }

    /// Normalises `input[batch, channels, height * width]` over the channels at each pixel, as timm's
    /// `LayerNorm2d` (a layer norm over `C` of an NCHW map): `y[b, c, p] = (x[b, c, p] - mean_bp) /
    /// sqrt(var_bp + eps) * gamma[c] + beta[c]`.
    ///
    /// Pixels are contiguous, so the loops run over channels with eight pixels per vector.
    /// `output` may be `input`.
    package static func layerNormChannels(
        _ input: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
        gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        let tile = 64  // pixels per work item: 64 pixels x C channels stays in L2 for C <= 2048
        let tilesPerImage = (pixels + tile - 1) / tile
        parallelChunks(count: batch * tilesPerImage, minimumChunk: 1) { range in
            var mean = [Float](repeating: 0, count: tile)
            var inverseStd = [Float](repeating: 0, count: tile)
            for item in range {
                let b = item / tilesPerImage
                let start = (item % tilesPerImage) * tile
                let count = Swift.min(tile, pixels - start)
                let x = input + b * channels * pixels + start
                let y = output + b * channels * pixels + start
                mean.withUnsafeMutableBufferPointer { meanBuffer in
                    inverseStd.withUnsafeMutableBufferPointer { stdBuffer in
                        channelStatistics(x, channels: channels, stride: pixels, count: count, epsilon: epsilon,
                                          mean: meanBuffer.baseAddress!, inverseStd: stdBuffer.baseAddress!)
                        for c in 0..<channels {
                            let g = gamma?[c] ?? 1
                            let bias = beta?[c] ?? 0
                            let xc = x + c * pixels
                            let yc = y + c * pixels
                            for p in 0..<count {
                                yc[p] = (xc[p] - meanBuffer[p]) * stdBuffer[p] * g + bias
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func channelStatistics(
        _ x: UnsafePointer<Float>, channels: Int, stride: Int, count: Int, epsilon: Float,
        mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>
    ) {
        for p in 0..<count { mean[p] = 0; inverseStd[p] = 0 }
        for c in 0..<channels {
            let xc = x + c * stride
            for p in 0..<count { mean[p] += xc[p] }
        }
        let n = Float(channels)
        for p in 0..<count { mean[p] /= n }
        for c in 0..<channels {
            let xc = x + c * stride
            for p in 0..<count {
                let d = xc[p] - mean[p]
                inverseStd[p] += d * d
            }
        }
        for p in 0..<count { inverseStd[p] = 1 / (inverseStd[p] / n + epsilon).squareRoot() }
    }
}

extension Normalization {
    /// RMS-normalises each row of `input[rows, width]`: `y = x / sqrt(mean(x^2) + eps) * gamma`, as
    /// `LlamaRMSNorm` in fp32 (`x * rsqrt(variance + eps)`, then the gain). `output` may be `input`.
    package static func rmsNorm(
        _ input: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>?, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        parallelChunks(count: rows, minimumChunk: Swift.max(1, 4096 / Swift.max(width, 1))) { range in
            for row in range {
                let x = input + row * width, y = output + row * width
                var squares = Float8()
                var j = 0
                while j + 8 <= width { let v = Float8.load(x + j); squares += v * v; j += 8 }
                var sum = squares.sum()
                while j < width { sum += x[j] * x[j]; j += 1 }
                let inverse = 1 / (sum / Float(width) + epsilon).squareRoot()
                let scale = Float8(repeating: inverse)
                j = 0
                if let gamma {
                    while j + 8 <= width { (Float8.load(x + j) * scale * Float8.load(gamma + j)).store(y + j); j += 8 }
                    while j < width { y[j] = x[j] * inverse * gamma[j]; j += 1 }
                } else {
                    while j + 8 <= width { (Float8.load(x + j) * scale).store(y + j); j += 8 }
                    while j < width { y[j] = x[j] * inverse; j += 1 }
                }
            }
        }
    }
}
