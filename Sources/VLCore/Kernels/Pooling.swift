/// Adaptive average pooling with PyTorch's window rule.
package enum Pooling {
    /// The input range `[floor(i * in / out), ceil((i + 1) * in / out))` that output index `i` averages,
    /// as `torch.nn.functional.adaptive_avg_pool2d` computes it; windows overlap when `in` is not a
    /// multiple of `out`.
    @inlinable
    package static func adaptiveWindow(_ index: Int, input: Int, output: Int) -> Range<Int> {
        let start = (index * input) / output
        let end = ((index + 1) * input + output - 1) / output
        return start..<end
    }

    /// Pools `input[B, C, H, W]` to `output[B, C, outH, outW]`.
    package static func adaptiveAverage(
        _ input: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
        outHeight: Int, outWidth: Int, output: UnsafeMutablePointer<Float>
    ) {
        parallelChunks(count: planes, minimumChunk: 16) { range in
            for plane in range {
                let x = input + plane * height * width
                let y = output + plane * outHeight * outWidth
                for oy in 0..<outHeight {
                    let rows = adaptiveWindow(oy, input: height, output: outHeight)
                    for ox in 0..<outWidth {
                        let cols = adaptiveWindow(ox, input: width, output: outWidth)
                        var sum: Float = 0
                        for iy in rows { for ix in cols { sum += x[iy * width + ix] } }
                        y[oy * outWidth + ox] = sum / Float(rows.count * cols.count)
                    }
                }
            }
        }
    }

    /// Pools channels-last tokens `input[B, H * W, C]` (row-major grid) to `output[B, outH * outW, C]`:
    /// the same windows as ``adaptiveAverage(_:planes:height:width:outHeight:outWidth:output:)`` without
    /// a transpose, vectorised over channels.
    package static func adaptiveAverageTokens(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
        outHeight: Int, outWidth: Int, output: UnsafeMutablePointer<Float>
    ) {
        let cells = outHeight * outWidth
        parallelChunks(count: batch * cells, minimumChunk: 4) { range in
            for item in range {
                let b = item / cells
                let oy = (item % cells) / outWidth
                let ox = item % outWidth
                let rows = adaptiveWindow(oy, input: height, output: outHeight)
                let cols = adaptiveWindow(ox, input: width, output: outWidth)
                let y = output + item * channels
                y.update(repeating: 0, count: channels)
                for iy in rows {
                    for ix in cols {
                        let x = input + ((b * height + iy) * width + ix) * channels
                        var c = 0
                        while c + 8 <= channels { (Float8.load(y + c) + Float8.load(x + c)).store(y + c); c += 8 }
                        while c < channels { y[c] += x[c]; c += 1 }
                    }
                }
                let windowSize = Float(rows.count * cols.count)
                for c in 0..<channels { y[c] /= windowSize }
            }
        }
    }
}
