import Foundation

/// Naive kernels that accumulate in Double, written straight from each operation's definition.
///
/// They are slow on purpose and exist to check the fast kernels over odd sizes (1, 3, 17, 197, ...):
/// every fast kernel in VLCore has its counterpart here.
package enum ReferenceKernels {
    /// `C[m, n] = op(A) op(B)`, with `A` `[m, k]` (or `[k, m]` transposed) and `B` `[k, n]` (or `[n, k]`).
    package static func gemm(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    /// `y = x Wᵀ + b` over rows.
    package static func linear(_ x: [Float], rows: Int, weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) -> [Float] {
        var y = gemm(x, weight, m: rows, n: outFeatures, k: inFeatures, transposeB: true)
        if let bias {
            for r in 0..<rows { for j in 0..<outFeatures { y[r * outFeatures + j] = Float(Double(y[r * outFeatures + j]) + Double(bias[j])) } }
        }
        return y
    }

    /// Layer norm over the last `width` elements of each row.
    package static func layerNorm(_ x: [Float], width: Int, gamma: [Float]?, beta: [Float]?, epsilon: Float) -> [Float] {
        var y = x
        for row in 0..<(x.count / width) {
            let slice = (row * width)..<((row + 1) * width)
            let mean = slice.reduce(0.0) { $0 + Double(x[$1]) } / Double(width)
            let variance = slice.reduce(0.0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / Double(width)
            let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
            for (j, i) in slice.enumerated() {
                y[i] = Float((Double(x[i]) - mean) * inverseStd * Double(gamma?[j] ?? 1) + Double(beta?[j] ?? 0))
            }
        }
        return y
    }

    /// Layer norm over channels of `[B, C, P]` at each pixel.
    package static func layerNormChannels(_ x: [Float], batch: Int, channels: Int, pixels: Int, gamma: [Float]?, beta: [Float]?, epsilon: Float) -> [Float] {
        var y = x
        for b in 0..<batch {
            for p in 0..<pixels {
                let indices = (0..<channels).map { (b * channels + $0) * pixels + p }
                let mean = indices.reduce(0.0) { $0 + Double(x[$1]) } / Double(channels)
                let variance = indices.reduce(0.0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / Double(channels)
                let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
                for (c, i) in indices.enumerated() {
                    y[i] = Float((Double(x[i]) - mean) * inverseStd * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0))
                }
            }
        }
        return y
    }

    /// Softmax of each row.
    package static func softmax(_ x: [Float], width: Int) -> [Float] {
        var y = x
        for row in 0..<(x.count / width) {
            let slice = (row * width)..<((row + 1) * width)
            let maximum = slice.map { Double(x[$0]) }.max() ?? 0
            let total = slice.reduce(0.0) { $0 + Foundation.exp(Double(x[$1]) - maximum) }
            for i in slice { y[i] = Float(Foundation.exp(Double(x[i]) - maximum) / total) }
        }
        return y
    }

    /// The activation evaluated in Double.
    package static func activation(_ kind: Activation, _ x: [Float]) -> [Float] {
        x.map { value in
            let v = Double(value)
            let sigmoid = { (t: Double) in 1 / (1 + Foundation.exp(-t)) }
            let result: Double = switch kind {
            case .identity: v
            case .gelu: 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            case .geluTanh: 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            case .quickGELU: v * sigmoid(1.702 * v)
            case .silu: v * sigmoid(v)
            case .sigmoid: sigmoid(v)
            case .relu: max(v, 0)
            }
            return Float(result)
        }
    }

    /// Direct convolution of `[B, I, H, W]`.
    package static func conv2d(_ x: [Float], batch: Int, height: Int, width: Int, weight: [Float], bias: [Float]?, geometry g: Convolution.Geometry) -> [Float] {
        let (oh, ow) = g.outputSize(height: height, width: width)!
        let inPerGroup = g.inChannels / g.groups, outPerGroup = g.outChannels / g.groups
        var y = [Float](repeating: 0, count: batch * g.outChannels * oh * ow)
        for b in 0..<batch {
            for o in 0..<g.outChannels {
                let group = o / outPerGroup
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(bias?[o] ?? 0)
                        for ci in 0..<inPerGroup {
                            let c = group * inPerGroup + ci
                            for ky in 0..<g.kernel.height {
                                for kx in 0..<g.kernel.width {
                                    let iy = oy * g.stride.height - g.padding.height + ky
                                    let ix = ox * g.stride.width - g.padding.width + kx
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    let w = weight[((o * inPerGroup + ci) * g.kernel.height + ky) * g.kernel.width + kx]
                                    sum += Double(w) * Double(x[((b * g.inChannels + c) * height + iy) * width + ix])
                                }
                            }
                        }
                        y[((b * g.outChannels + o) * oh + oy) * ow + ox] = Float(sum)
                    }
                }
            }
        }
        return y
    }

    /// Adaptive average pooling of `[planes, H, W]`, windows from their definition.
    package static func adaptiveAveragePool(_ x: [Float], planes: Int, height: Int, width: Int, outHeight: Int, outWidth: Int) -> [Float] {
        var y = [Float]()
        for p in 0..<planes {
            for oy in 0..<outHeight {
                let y0 = Int((Double(oy * height) / Double(outHeight)).rounded(.down))
                let y1 = Int((Double((oy + 1) * height) / Double(outHeight)).rounded(.up))
                for ox in 0..<outWidth {
                    let x0 = Int((Double(ox * width) / Double(outWidth)).rounded(.down))
                    let x1 = Int((Double((ox + 1) * width) / Double(outWidth)).rounded(.up))
                    var sum = 0.0
                    for iy in y0..<y1 { for ix in x0..<x1 { sum += Double(x[(p * height + iy) * width + ix]) } }
                    y.append(Float(sum / Double((y1 - y0) * (x1 - x0))))
                }
            }
        }
        return y
    }

    /// Bicubic resampling of a channels-last `[H, W, C]` grid, each output pixel evaluated directly as
    /// a 2-D weighted sum. Sample positions are computed in fp32 as PyTorch does (they decide which
    /// inputs are read); weights and sums in Double.
    package static func bicubic(_ x: [Float], height: Int, width: Int, channels: Int, outHeight: Int, outWidth: Int, antialias: Bool) -> [Float] {
        func taps(_ inSize: Int, _ outSize: Int) -> [[(Int, Double)]] {
            let scale = Double(Float(inSize) / Float(outSize))  // PyTorch's fp32 scale
            return (0..<outSize).map { i in
                if !antialias {
                    let a = -0.75
                    let source = Double(Float(scale) * (Float(i) + 0.5) - 0.5)  // fp32, as PyTorch
                    let f = source.rounded(.down)
                    let t = source - f
                    func k(_ d: Double) -> Double {
                        let x = abs(d)
                        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
                        return 0
                    }
                    return (0..<4).map { j in
                        (min(max(Int(f) - 1 + j, 0), inSize - 1), k(t - Double(j - 1)))
                    }
                }
                let a = -0.5
                func k(_ d: Double) -> Double {
                    let x = abs(d)
                    if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                    if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                    return 0
                }
                let support = scale >= 1 ? 2 * scale : 2
                let inverse = scale >= 1 ? 1 / scale : 1
                let center = Double(Float(scale) * (Float(i) + 0.5))  // fp32, as PyTorch
                let start = max(Int(Float(center) - Float(support) + 0.5), 0)
                let end = min(Int(Float(center) + Float(support) + 0.5), inSize)
                let raw = (start..<end).map { ($0, k((Double($0) - center + 0.5) * inverse)) }
                let total = raw.reduce(0) { $0 + $1.1 }
                return raw.map { ($0.0, total != 0 ? $0.1 / total : $0.1) }
            }
        }
        let rows = taps(height, outHeight), cols = taps(width, outWidth)
        var y = [Float](repeating: 0, count: outHeight * outWidth * channels)
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for c in 0..<channels {
                    var sum = 0.0
                    for (iy, wy) in rows[oy] { for (ix, wx) in cols[ox] { sum += wy * wx * Double(x[(iy * width + ix) * channels + c]) } }
                    y[(oy * outWidth + ox) * channels + c] = Float(sum)
                }
            }
        }
        return y
    }
}
