import Testing
import VLCore
import VLTestSupport
import VLTesting

/// Every fast kernel against its naive Double-accumulating reference, over odd sizes.
@Suite struct KernelReferenceTests {
    static let oddSizes = [1, 3, 17, 197]

    @Test("GEMM matches the reference", arguments: [(1, 1, 1), (3, 17, 5), (17, 3, 197), (197, 64, 197), (33, 1, 8)])
    func gemm(m: Int, n: Int, k: Int) {
        var rng = TestRandom(seed: UInt64(m * 1000 + n * 10 + k))
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = rng.array(m * k), b = rng.array(k * n)
            var c = [Float](repeating: .nan, count: m * n)
            GEMM.multiply(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                          c: &c, ldc: n)
            let expected = ReferenceKernels.gemm(a, b, m: m, n: n, k: k, transposeA: ta, transposeB: tb)
            expectClose(c, expected, rtol: 1e-5, atol: 1e-5, "\(ta) \(tb)")
        }
    }

    @Test("GEMM addresses one head of a fused QKV buffer through its leading dimension")
    func stridedHeads() {
        var rng = TestRandom(seed: 7)
        let tokens = 17, width = 24, heads = 3, headDim = 8
        let qkv = rng.array(tokens * 3 * width)
        for h in 0..<heads {
            var scores = [Float](repeating: 0, count: tokens * tokens)
            qkv.withUnsafeBufferPointer { p in
                GEMM.multiply(transposeB: true, m: tokens, n: tokens, k: headDim, a: p.baseAddress! + h * headDim, lda: 3 * width,
                              b: p.baseAddress! + width + h * headDim, ldb: 3 * width, c: &scores, ldc: tokens)
            }
            var q: [Float] = [], k: [Float] = []
            for t in 0..<tokens {
                let row = t * 3 * width + h * headDim
                q += qkv[row..<(row + headDim)]
                k += qkv[(row + width)..<(row + width + headDim)]
            }
            let expected = ReferenceKernels.gemm(q, k, m: tokens, n: tokens, k: headDim, transposeB: true)
            expectClose(scores, expected, rtol: 1e-5, atol: 1e-5)
        }
    }

    @Test("Linear with bias, and with a fused residual", arguments: [1, 3, 17, 197])
    func linear(rows: Int) throws {
        var rng = TestRandom(seed: UInt64(rows))
        let inF = 19, outF = 23
        let x = rng.array(rows * inF), w = rng.array(outF * inF), b = rng.array(outF)
        let residual = rng.array(rows * outF)
        var y = [Float](repeating: .nan, count: rows * outF)
        GEMM.linear(input: x, rows: rows, inFeatures: inF, weight: w, bias: b, outFeatures: outF, output: &y)
        let expected = ReferenceKernels.linear(x, rows: rows, weight: w, bias: b, inFeatures: inF, outFeatures: outF)
        expectClose(y, expected, rtol: 1e-5, atol: 1e-5)
        var accumulated = residual
        GEMM.linear(input: x, rows: rows, inFeatures: inF, weight: w, bias: b, outFeatures: outF, output: &accumulated,
                    accumulate: true)
        let expectedSum = zip(expected, residual).map { $0 + $1 }
        expectClose(accumulated, expectedSum, rtol: 1e-5, atol: 2e-5)
    }

    @Test("LayerNorm matches the reference", arguments: oddSizes)
    func layerNorm(width: Int) {
        var rng = TestRandom(seed: UInt64(width))
        let rows = 5
        let x = rng.array(rows * width, scale: 3).map { $0 + 2 }
        let g = rng.array(width).map { $0 + 1 }, b = rng.array(width)
        var y = [Float](repeating: .nan, count: x.count)
        Normalization.layerNorm(x, rows: rows, width: width, gamma: g, beta: b, epsilon: 1e-6, output: &y)
        let expected = ReferenceKernels.layerNorm(x, width: width, gamma: g, beta: b, epsilon: 1e-6)
        expectClose(y, expected, rtol: 1e-5, atol: 1e-5)
    }

    @Test("LayerNorm over the channels of NCHW", arguments: [(1, 1), (3, 17), (17, 3), (64, 197)])
    func layerNormChannels(channels: Int, pixels: Int) {
        var rng = TestRandom(seed: UInt64(channels * pixels))
        let batch = 2
        let x = rng.array(batch * channels * pixels, scale: 2)
        let g = rng.array(channels), b = rng.array(channels)
        var y = [Float](repeating: .nan, count: x.count)
        Normalization.layerNormChannels(x, batch: batch, channels: channels, pixels: pixels, gamma: g, beta: b, epsilon: 1e-5,
                                        output: &y)
        let expected = ReferenceKernels.layerNormChannels(x, batch: batch, channels: channels, pixels: pixels, gamma: g, beta: b,
                                                          epsilon: 1e-5)
        expectClose(y, expected, rtol: 1e-5, atol: 1e-5)
    }

    @Test("Portable Swift paths of softmax, layer norm and activations match the reference", arguments: oddSizes)
    func portablePaths(width: Int) {
        var rng = TestRandom(seed: UInt64(width) + 5)
        let rows = 4
        var x = rng.array(rows * width, scale: 20)
        let softmaxExpected = ReferenceKernels.softmax(x, width: width)
        for r in 0..<rows { x.withUnsafeMutableBufferPointer { Softmax.softmaxRowPortably($0.baseAddress! + r * width, width: width) } }
        expectClose(x, softmaxExpected, rtol: 1e-5, atol: 1e-7, "softmax")
        let y = rng.array(rows * width, scale: 3)
        let g = rng.array(width), b = rng.array(width)
        var normed = [Float](repeating: 0, count: y.count)
        for r in 0..<rows {
            y.withUnsafeBufferPointer { yp in g.withUnsafeBufferPointer { gp in b.withUnsafeBufferPointer { bp in
                normed.withUnsafeMutableBufferPointer { out in
                    Normalization.normalizeRow(yp.baseAddress! + r * width, width: width, gamma: gp.baseAddress, beta: bp.baseAddress,
                                               epsilon: 1e-6, output: out.baseAddress! + r * width)
                }
            } } }
        }
        expectClose(normed, ReferenceKernels.layerNorm(y, width: width, gamma: g, beta: b, epsilon: 1e-6), rtol: 1e-5, atol: 1e-5, "layer norm")
        for kind in Activation.allCases {
            var a = rng.array(rows * width, scale: 8)
            let expected = ReferenceKernels.activation(kind, a)
            a.withUnsafeMutableBufferPointer { kind.applyPortably($0.baseAddress!, count: $0.count) }
            expectClose(a, expected, rtol: 1e-6, atol: 1e-6, "\(kind)")
        }
    }

    @Test("Softmax matches the reference", arguments: oddSizes)
    func softmax(width: Int) {
        var rng = TestRandom(seed: UInt64(width) + 99)
        let rows = 7
        var x = rng.array(rows * width, scale: 20)
        let expected = ReferenceKernels.softmax(x, width: width)
        Softmax.inPlace(&x, rows: rows, width: width)
        expectClose(x, expected, rtol: 1e-5, atol: 1e-7)
    }

    @Test("Activations match the reference", arguments: Activation.allCases)
    func activation(kind: Activation) {
        var rng = TestRandom(seed: 5)
        for count in [1, 3, 17, 197, 40_000] {
            var x = rng.array(count, scale: 8)
            let expected = ReferenceKernels.activation(kind, x)
            kind.apply(&x, count: count)
            expectClose(x, expected, rtol: 1e-6, atol: 1e-6, "\(kind) n=\(count)")
        }
    }

    static let convolutions: [Convolution.Geometry] = [
        .init(inChannels: 3, outChannels: 5, kernel: 3, stride: 1, padding: 1),
        .init(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 2),
        .init(inChannels: 7, outChannels: 7, kernel: 3, stride: 1, padding: 1, groups: 7),
        .init(inChannels: 6, outChannels: 6, kernel: 5, stride: 2, padding: 2, groups: 6),
        .init(inChannels: 5, outChannels: 3, kernel: 1),
        .init(inChannels: 3, outChannels: 8, kernel: 4, stride: 4),
    ]

    @Test("conv2d matches the reference", arguments: convolutions)
    func conv2d(geometry: Convolution.Geometry) {
        var rng = TestRandom(seed: UInt64(geometry.outChannels * 31 + geometry.groups))
        for (h, w) in [(1, 1), (8, 8), (17, 3), (9, 13)] where geometry.outputSize(height: h, width: w) != nil {
            let batch = 2
            let x = rng.array(batch * geometry.inChannels * h * w)
            let weight = rng.array(geometry.weightShape.reduce(1, *))
            for bias in [nil, rng.array(geometry.outChannels)] {
                let (oh, ow) = geometry.outputSize(height: h, width: w)!
                var y = [Float](repeating: .nan, count: batch * geometry.outChannels * oh * ow)
                bias.withOptionalPointer { b in
                    Convolution.conv2d(x, batch: batch, height: h, width: w, weight: weight, bias: b, geometry: geometry, output: &y)
                }
                let expected = ReferenceKernels.conv2d(x, batch: batch, height: h, width: w, weight: weight, bias: bias, geometry: geometry)
                expectClose(y, expected, rtol: 1e-5, atol: 1e-5, "\(h)x\(w)")
            }
        }
    }

    @Test("Adaptive average pooling in both layouts", arguments: [(24, 24, 8, 8), (27, 27, 8, 8), (27, 27, 12, 12), (7, 5, 3, 4), (1, 1, 1, 1), (5, 5, 7, 7)])
    func adaptivePool(h: Int, w: Int, oh: Int, ow: Int) {
        var rng = TestRandom(seed: UInt64(h * w + oh))
        let planes = 6
        let x = rng.array(planes * h * w)
        var y = [Float](repeating: .nan, count: planes * oh * ow)
        Pooling.adaptiveAverage(x, planes: planes, height: h, width: w, outHeight: oh, outWidth: ow, output: &y)
        let expected = ReferenceKernels.adaptiveAveragePool(x, planes: planes, height: h, width: w, outHeight: oh, outWidth: ow)
        expectClose(y, expected, rtol: 1e-6, atol: 1e-6)
        // Channels-last: [B=2, H*W, C=3] holds the same planes transposed.
        let batch = 2, channels = 3
        var tokens = [Float](repeating: 0, count: x.count)
        for b in 0..<batch { for c in 0..<channels { for p in 0..<(h * w) { tokens[(b * h * w + p) * channels + c] = x[(b * channels + c) * h * w + p] } } }
        var pooled = [Float](repeating: .nan, count: batch * oh * ow * channels)
        Pooling.adaptiveAverageTokens(tokens, batch: batch, height: h, width: w, channels: channels, outHeight: oh, outWidth: ow,
                                      output: &pooled)
        var back = [Float](repeating: 0, count: pooled.count)
        for b in 0..<batch { for c in 0..<channels { for p in 0..<(oh * ow) { back[(b * channels + c) * oh * ow + p] = pooled[(b * oh * ow + p) * channels + c] } } }
        expectClose(back, expected, rtol: 1e-6, atol: 1e-6)
    }

    @Test("Bicubic resampling, plain and antialiased", arguments: [(7, 7, 9, 11), (16, 16, 7, 5), (24, 24, 37, 37), (37, 37, 16, 16), (1, 1, 3, 2), (5, 5, 5, 5)])
    func bicubic(h: Int, w: Int, oh: Int, ow: Int) {
        var rng = TestRandom(seed: UInt64(h * 100 + oh))
        let channels = 5
        let x = rng.array(h * w * channels)
        for filter in [Resampling.Filter.bicubic, .bicubicAntialiased] {
            var y = [Float](repeating: .nan, count: oh * ow * channels)
            Resampling.bicubic(x, height: h, width: w, channels: channels, outHeight: oh, outWidth: ow, filter: filter, output: &y)
            let expected = ReferenceKernels.bicubic(x, height: h, width: w, channels: channels, outHeight: oh, outWidth: ow,
                                                    antialias: filter == .bicubicAntialiased)
            expectClose(y, expected, rtol: 1e-6, atol: 1e-6, "\(filter)")
        }
    }

    @Test("Results do not depend on the thread count")
    func threadIndependence() {
        var rng = TestRandom(seed: 11)
        let x = rng.array(64 * 768, scale: 4)
        func run() -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            Normalization.layerNorm(x, rows: 64, width: 768, gamma: nil, beta: nil, epsilon: 1e-6, output: &y)
            Activation.gelu.apply(&y, count: y.count)
            Softmax.inPlace(&y, rows: 64, width: 768)
            return y
        }
        let serial = ComputeThreads.withCount(1) { run() }
        #expect(ComputeThreads.withCount(2) { run() } == serial)
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}

extension Convolution.Geometry: CustomTestStringConvertible {
    public var testDescription: String {
        "in \(inChannels) out \(outChannels) k \(kernel.height) s \(stride.height) p \(padding.height) g \(groups)"
    }
}

@Suite struct PackedLinearTests {
    @Test("Packed linear layers match the reference: odd sizes, strides, feature ranges, accumulation",
          arguments: [(1, 1, 1), (3, 17, 5), (7, 33, 40), (197, 64, 48), (13, 100, 37), (8, 1100, 35)])
    func packed(rows: Int, inFeatures: Int, outFeatures: Int) throws {
        var rng = TestRandom(seed: UInt64(rows * 7 + inFeatures))
        let weight = rng.tensor([outFeatures, inFeatures]), bias = rng.tensor([outFeatures])
        let packed = try Linear(weight: weight, bias: bias, packing: true)
        let plain = try Linear(weight: weight, bias: bias, packing: false)
        #expect(packed.isPacked == VectorKernels.isAvailable)
        #expect(packed.weight.scalars == weight.scalars)
        let stride = inFeatures + 3
        let x = rng.array(rows * stride)
        let expected = ReferenceKernels.linear((0..<rows).flatMap { x[($0 * stride)..<($0 * stride + inFeatures)] }, rows: rows,
                                               weight: weight.scalars, bias: bias.scalars, inFeatures: inFeatures, outFeatures: outFeatures)
        for layer in [packed, plain] {
            var y = [Float](repeating: .nan, count: rows * outFeatures)
            layer.apply(x, rows: rows, inputStride: stride, output: &y)
            expectClose(y, expected, rtol: 1e-5, atol: 1e-5, "packed: \(layer.isPacked)")
            // A panel-aligned sub-range of features, accumulated onto existing values.
            let range = (outFeatures >= 32 ? 16 : 0)..<outFeatures
            var sub = [Float](repeating: 1, count: rows * range.count)
            layer.apply(x, rows: rows, inputStride: stride, features: range, output: &sub, accumulate: true)
            let expectedSub = (0..<rows).flatMap { r in range.map { expected[r * outFeatures + $0] + 1 } }
            expectClose(sub, expectedSub, rtol: 1e-5, atol: 2e-5, "range, packed: \(layer.isPacked)")
        }
    }

    /// The GEMM epilogue applies bias (first k block), residual and activation (last k block) per tile. It must
    /// round exactly as "fill with the bias, multiply-accumulate, then activate" does, across k blocks (K > 512)
    /// and partial panels.
    @Test("Packed epilogue: bias, residual and activation fused, bit for bit as applied one after another",
          arguments: Activation.allCases)
    func fusedEpilogue(activation: Activation) throws {
        guard VectorKernels.isAccelerated else { return }
        let (rows, k, n) = (11, 1030, 37)
        var rng = TestRandom(seed: 99)
        let weight = rng.tensor([n, k]), bias = rng.tensor([n])
        let packed = PackedWeight(packing: weight)
        let layer = try Linear(weight: weight, bias: bias, packing: true)
        let x = rng.array(rows * k), residual = rng.array(rows * n)
        for accumulate in [false, true] {
            // One step after another: bias (onto the residual), multiply-accumulate, activation.
            var stepwise = accumulate ? residual : [Float](repeating: 0, count: rows * n)
            for r in 0..<rows { for j in 0..<n { stepwise[r * n + j] += bias.scalars[j] } }
            packed.multiplyAccumulate(x, rows: rows, inputStride: k, features: 0..<n, output: &stepwise, outputStride: n)
            activation.applySerially(&stepwise, count: stepwise.count)
            var fused = accumulate ? residual : [Float](repeating: .nan, count: rows * n)
            layer.apply(x, rows: rows, output: &fused, accumulate: accumulate, activation: activation)
            #expect(fused == stepwise, "accumulate: \(accumulate)")
            // And against the plain reference, within fp32 rounding.
            let linear = ReferenceKernels.linear(x, rows: rows, weight: weight.scalars, bias: bias.scalars, inFeatures: k, outFeatures: n)
            var expected = accumulate ? zip(linear, residual).map { $0 + $1 } : linear
            activation.applyPortably(&expected, count: expected.count)
            expectClose(fused, expected, rtol: 1e-5, atol: 1e-4, "\(activation) accumulate: \(accumulate)")
        }
    }

    /// Release builds split products above 2M multiply-adds across threads by blocks of weight panels. Each output
    /// tile is still computed by one kernel sequence, so the split must not change a single bit, whatever the
    /// thread count and whichever thread takes which block.
    @Test("The parallel split of the packed GEMM gives the serial result bit for bit",
          arguments: [(197, 768, 2304), (64, 1024, 4096), (9, 1100, 300), (6, 64, 16)])
    func parallelSplit(rows: Int, inFeatures: Int, outFeatures: Int) throws {
        guard VectorKernels.isAvailable else { return }
        var rng = TestRandom(seed: UInt64(rows + outFeatures))
        let layer = try Linear(weight: rng.tensor([outFeatures, inFeatures], scale: 0.05), bias: rng.tensor([outFeatures]), packing: true)
        let x = rng.tensor([rows, inFeatures])
        let serial = try KernelPath.packed.run { try layer(x) }
        for threads in [2, 3, 5] {
            let split = try ComputeThreads.withCount(threads) { try PackedWeight.$parallelThreshold.withValue(0) { try layer(x) } }
            #expect(split.scalars == serial.scalars, "\(threads) threads")
        }
        let expected = ReferenceKernels.linear(x.scalars, rows: rows, weight: layer.weight.scalars, bias: layer.bias!.scalars,
                                               inFeatures: inFeatures, outFeatures: outFeatures)
        expectClose(serial.scalars, expected, rtol: 1e-5, atol: 1e-4)
    }
}
