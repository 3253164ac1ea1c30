/// Depthwise convolution on channels-last maps, the layout of transformer tokens on a grid.
package enum DepthwiseConvolution {
    /// `output[b, oy, ox, c] = bias[c] + sum_{ky, kx} weight[ky, kx, c] * input[b, oy + ky - p, ox + kx - p, c]`
    /// for `input [B, H, W, C]`, stride 1 and zero padding `p` (output `[B, H + 2p - k + 1, W + 2p - k + 1, C]`).
    ///
    /// `weight` is tap-major `[k, k, C]` (see ``tapMajor(_:channels:kernel:)``) so that every tap is a
    /// contiguous vector over channels. Equal to `conv2d(groups=C)` on the NCHW transpose.
    package static func apply(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, kernel: Int, padding: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let outH = height + 2 * padding - kernel + 1, outW = width + 2 * padding - kernel + 1
        guard outH > 0, outW > 0 else { return }
        parallelChunks(count: batch * outH, minimumChunk: 1) { range in
            for item in range {
                let b = item / outH, oy = item % outH
                for ox in 0..<outW {
                    let y = output + ((b * outH + oy) * outW + ox) * channels
                    if let bias { y.update(from: bias, count: channels) } else { y.update(repeating: 0, count: channels) }
                    for ky in 0..<kernel {
                        let iy = oy + ky - padding
                        if iy < 0 || iy >= height { continue }
                        for kx in 0..<kernel {
                            let ix = ox + kx - padding
                            if ix < 0 || ix >= width { continue }
                            let x = input + ((b * height + iy) * width + ix) * channels
                            let w = weight + (ky * kernel + kx) * channels
                            var c = 0
                            while c + 8 <= channels {
                                (Float8.load(y + c) + Float8.load(w + c) * Float8.load(x + c)).store(y + c)
                                c += 8
                            }
                            while c < channels { y[c] += w[c] * x[c]; c += 1 }
                        }
                    }
                }
            }
        }
    }

    /// Reorders a PyTorch depthwise weight `[C, 1, k, k]` to tap-major `[k, k, C]`.
    package static func tapMajor(_ weight: Tensor, channels: Int, kernel: Int) -> Tensor {
        Tensor(shape: [kernel, kernel, channels]) { out in
            weight.withUnsafeBufferPointer { w in
                for c in 0..<channels {
                    for t in 0..<(kernel * kernel) { out[t * channels + c] = w[c * kernel * kernel + t] }
                }
            }
        }
    }
}
