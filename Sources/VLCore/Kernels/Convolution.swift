/// 2-D convolution over NCHW maps, as `torch.nn.functional.conv2d`.
public enum Convolution {
    /// Geometry of one convolution.
    public struct Geometry: Sendable, Equatable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernel: (height: Int, width: Int)
        public var stride: (height: Int, width: Int)
        public var padding: (height: Int, width: Int)
        public var groups: Int

        public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = (kernel, kernel)
            self.stride = (stride, stride)
            self.padding = (padding, padding)
            self.groups = groups
        }

        /// Output height and width for an input of `height x width`, or nil when the kernel does not fit.
        public func outputSize(height: Int, width: Int) -> (height: Int, width: Int)? {
            let h = (height + 2 * padding.height - kernel.height) / stride.height + 1
            let w = (width + 2 * padding.width - kernel.width) / stride.width + 1
            guard height + 2 * padding.height >= kernel.height, width + 2 * padding.width >= kernel.width else {
                return nil
            }
            return (h, w)
        }

        /// Weight shape `[O, I / groups, kH, kW]`.
        public var weightShape: [Int] { [outChannels, inChannels / groups, kernel.height, kernel.width] }

        var isPointwise: Bool {
            kernel == (1, 1) && stride == (1, 1) && padding == (0, 0)
        }

        var isDepthwise: Bool { groups == inChannels && groups == outChannels }

        public static func == (l: Self, r: Self) -> Bool {
            l.inChannels == r.inChannels && l.outChannels == r.outChannels && l.kernel == r.kernel
                && l.stride == r.stride && l.padding == r.padding && l.groups == r.groups
        }
    }

    /// `output[B, O, Ho, Wo] = conv2d(input[B, I, H, W], weight[O, I/g, kH, kW], bias[O])`.
    ///
    /// Pointwise convolutions are one GEMM per image and group, depthwise ones a direct vectorised
    /// loop, everything else im2col + GEMM. `output` must hold `B * O * Ho * Wo` scalars.
    package static func conv2d(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: Geometry,
        output: UnsafeMutablePointer<Float>
    ) {
        guard let (outH, outW) = g.outputSize(height: height, width: width) else {
            preconditionFailure("conv2d: kernel larger than padded input")
        }
        precondition(g.inChannels % g.groups == 0 && g.outChannels % g.groups == 0, "conv2d: groups must divide channels")
        if g.isDepthwise {
            depthwise(input, batch: batch, height: height, width: width, weight: weight, bias: bias, geometry: g,
                      outHeight: outH, outWidth: outW, output: output)
            return
        }
        let inPerGroup = g.inChannels / g.groups
        let outPerGroup = g.outChannels / g.groups
        let outPixels = outH * outW
        let patch = inPerGroup * g.kernel.height * g.kernel.width
        let columns: UnsafeMutablePointer<Float>? =
            g.isPointwise ? nil : .allocate(capacity: patch * outPixels)
        defer { columns?.deallocate() }
        for b in 0..<batch {
            for group in 0..<g.groups {
                let x = input + (b * g.inChannels + group * inPerGroup) * height * width
                let y = output + (b * g.outChannels + group * outPerGroup) * outPixels
                let w = weight + group * outPerGroup * patch
                let source: UnsafePointer<Float>
                if let columns {
                    im2col(x, channels: inPerGroup, height: height, width: width, geometry: g,
                           outHeight: outH, outWidth: outW, columns: columns)
                    source = UnsafePointer(columns)
                } else {
                    source = x
                }
                if let bias {
                    for o in 0..<outPerGroup {
                        (y + o * outPixels).update(repeating: bias[group * outPerGroup + o], count: outPixels)
                    }
                }
                GEMM.multiply(
                    m: outPerGroup, n: outPixels, k: patch, a: w, lda: patch, b: source, ldb: outPixels,
                    beta: bias == nil ? 0 : 1, c: y, ldc: outPixels)
            }
        }
    }

    /// Unfolds `x[C, H, W]` into `columns[C * kH * kW, Ho * Wo]` (zeros where the kernel overhangs).
    static func im2col(
        _ x: UnsafePointer<Float>, channels: Int, height: Int, width: Int, geometry g: Geometry,
        outHeight: Int, outWidth: Int, columns: UnsafeMutablePointer<Float>
    ) {
        let outPixels = outHeight * outWidth
        var row = 0
        for c in 0..<channels {
            for ky in 0..<g.kernel.height {
                for kx in 0..<g.kernel.width {
                    let destination = columns + row * outPixels
                    for oy in 0..<outHeight {
                        let iy = oy * g.stride.height - g.padding.height + ky
                        let line = destination + oy * outWidth
                        if iy < 0 || iy >= height {
                            line.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let sourceRow = x + (c * height + iy) * width
                        for ox in 0..<outWidth {
                            let ix = ox * g.stride.width - g.padding.width + kx
                            line[ox] = (ix >= 0 && ix < width) ? sourceRow[ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Depthwise convolution (groups = channels, one filter per channel), direct loops over output
    /// rows; channels are spread over ``ComputeThreads``.
    static func depthwise(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: Geometry,
        outHeight: Int, outWidth: Int, output: UnsafeMutablePointer<Float>
    ) {
        let channels = g.inChannels
        let kh = g.kernel.height, kw = g.kernel.width
        parallelChunks(count: batch * channels, minimumChunk: 8) { range in
            for plane in range {
                let c = plane % channels
                let x = input + plane * height * width
                let y = output + plane * outHeight * outWidth
                let w = weight + c * kh * kw
                y.update(repeating: bias?[c] ?? 0, count: outHeight * outWidth)
                for oy in 0..<outHeight {
                    let line = y + oy * outWidth
                    for ky in 0..<kh {
                        let iy = oy * g.stride.height - g.padding.height + ky
                        if iy < 0 || iy >= height { continue }
                        let sourceRow = x + iy * width
                        for kx in 0..<kw {
                            let tap = w[ky * kw + kx]
                            // Output columns whose input column ix = ox * s - p + kx is inside the row.
                            let offset = kx - g.padding.width
                            let s = g.stride.width
                            let first = offset >= 0 ? 0 : (-offset + s - 1) / s
                            let last = Swift.min(outWidth, (width - offset + s - 1) / s)
                            if first >= last { continue }
                            if s == 1 {
                                let source = sourceRow + offset
                                for ox in first..<last { line[ox] += tap * source[ox] }
                            } else {
                                for ox in first..<last { line[ox] += tap * sourceRow[ox * s + offset] }
                            }
                        }
                    }
                }
            }
        }
    }
}
