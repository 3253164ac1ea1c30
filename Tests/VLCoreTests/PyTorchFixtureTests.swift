import Testing
import VLCore
import VLTestSupport
import VLTesting

/// Core kernels against PyTorch 2.15 (fixtures from `Tools/reference/make_core_fixtures.py`).
///
/// Tolerances (fp32): GEMM-based kernels 1e-5 absolute + 1e-5 relative; normalisations and
/// elementwise functions 1e-6 + 1e-6; softmax 1e-7 + 1e-5; pooling 1e-6 + 1e-6; bicubic
/// interpolation 3e-6 + 1e-6 (PyTorch's own fp32 weight error; VLBlocks is within 1e-6 of a Double reference).
@Suite struct PyTorchFixtureTests {
    @Test func linear() throws {
        let f = try Fixtures.open("core/linear")
        let layer = try Linear(weight: try f["weight"], bias: try f["bias"])
        expectClose(try layer(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test func gemm() throws {
        let f = try Fixtures.open("core/gemm")
        let a = try f["a"], b = try f["b"], c = try f["c"]
        var ab = [Float](repeating: 0, count: 17 * 29)
        GEMM.multiply(m: 17, n: 29, k: 33, a: a.scalars, lda: 33, b: b.scalars, ldb: 29, c: &ab, ldc: 29)
        expectClose(ab, try f["ab"].scalars, rtol: 1e-5, atol: 1e-5)
        var cct = [Float](repeating: 0, count: 197 * 197)
        GEMM.multiply(transposeB: true, m: 197, n: 197, k: 64, a: c.scalars, lda: 64, b: c.scalars, ldb: 64, c: &cct, ldc: 197)
        expectClose(cct, try f["c_ct"].scalars, rtol: 1e-5, atol: 1e-5)
    }

    @Test("layer_norm", arguments: [1, 3, 17, 197])
    func layerNorm(width: Int) throws {
        let f = try Fixtures.open("core/layer_norm")
        let x = try f["input_\(width)"], g = try f["weight_\(width)"], b = try f["bias_\(width)"]
        var y = [Float](repeating: 0, count: x.count)
        Normalization.layerNorm(x.scalars, rows: x.count / width, width: width, gamma: g.scalars, beta: b.scalars, epsilon: 1e-6,
                                output: &y)
        expectClose(y, try f["output_\(width)"].scalars, rtol: 1e-6, atol: 1e-6)
    }

    @Test func layerNorm2d() throws {
        let f = try Fixtures.open("core/layer_norm_2d")
        let x = try f["input"]
        var y = [Float](repeating: 0, count: x.count)
        Normalization.layerNormChannels(x.scalars, batch: 2, channels: 13, pixels: 35, gamma: try f["weight"].scalars,
                                        beta: try f["bias"].scalars, epsilon: 1e-5, output: &y)
        expectClose(y, try f["output"].scalars, rtol: 1e-6, atol: 1e-6)
    }

    @Test func softmax() throws {
        let f = try Fixtures.open("core/softmax")
        var x = try f["input"].scalars
        Softmax.inPlace(&x, rows: 6, width: 197)
        expectClose(x, try f["output"].scalars, rtol: 1e-5, atol: 1e-7)
    }

    @Test("activations", arguments: [Activation.gelu, .geluTanh, .quickGELU, .silu, .sigmoid])
    func activation(kind: Activation) throws {
        let f = try Fixtures.open("core/activations")
        var x = try f["input"]
        kind.apply(to: &x)
        expectClose(x, try f[kind == .geluTanh ? "gelu_pytorch_tanh" : kind == .quickGELU ? "quick_gelu" : kind.rawValue],
                    rtol: 1e-6, atol: 1e-6, kind.rawValue)
    }

    @Test("conv2d", arguments: ["grouped", "depthwise", "pointwise", "patchify"])
    func conv2d(name: String) throws {
        let f = try Fixtures.open("core/conv2d_\(name)")
        func meta(_ key: String) -> Int { Int(f.metadata[key]!)! }
        let x = try f["input"]
        let geometry = Convolution.Geometry(inChannels: x.shape[1], outChannels: meta("out_channels"), kernel: meta("kernel"),
                                            stride: meta("stride"), padding: meta("padding"), groups: meta("groups"))
        let scope = ParameterLoader(source: f, ignoring: ["input", "output"]).root
        let conv = try Conv2d(scope, geometry: geometry, bias: f.shape(of: "bias") != nil)
        expectClose(try conv(x), try f["output"], rtol: 1e-5, atol: 1e-5, name)
    }

    @Test("adaptive_avg_pool2d", arguments: [(24, 24, 8, 8), (24, 24, 12, 12), (27, 27, 8, 8), (27, 27, 12, 12), (7, 5, 3, 4)])
    func adaptivePool(h: Int, w: Int, oh: Int, ow: Int) throws {
        let f = try Fixtures.open("core/adaptive_avg_pool")
        let x = try f["input_\(h)x\(w)"]
        var y = [Float](repeating: 0, count: 6 * oh * ow)
        Pooling.adaptiveAverage(x.scalars, planes: 6, height: h, width: w, outHeight: oh, outWidth: ow, output: &y)
        expectClose(y, try f["output_\(h)x\(w)_to_\(oh)x\(ow)"].scalars, rtol: 1e-6, atol: 1e-6)
    }

    static let resizes = [(7, 7, 9, 11), (7, 7, 14, 14), (7, 7, 5, 3), (16, 16, 7, 5), (16, 16, 24, 24), (4, 6, 10, 4)]

    @Test("interpolate(mode=bicubic), with and without antialias", arguments: resizes)
    func bicubic(h: Int, w: Int, oh: Int, ow: Int) throws {
        let f = try Fixtures.open("core/bicubic")
        let grid = try Self.channelsLast(f["input_\(h)x\(w)"])
        for (filter, name) in [(Resampling.Filter.bicubic, "bicubic"), (.bicubicAntialiased, "antialias")] {
            let y = try Resampling.bicubic(grid, outHeight: oh, outWidth: ow, filter: filter)
            let expected = try Self.channelsLast(f["\(name)_\(h)x\(w)_to_\(oh)x\(ow)"])
            // PyTorch evaluates the cubic in fp32 (cancellation error ~1e-6); VLBlocks in Double.
            expectClose(y, expected, rtol: 1e-6, atol: 3e-6, name)
        }
    }

    @Test("interpolate(scale_factor=...) samples at 1 / scale_factor")
    func bicubicScaleFactor() throws {
        let f = try Fixtures.open("core/bicubic")
        let grid = try Self.channelsLast(f["input_7x7"])
        let scale = (Double(f.metadata["scale_factor_h"]!)!, Double(f.metadata["scale_factor_w"]!)!)
        let y = try Resampling.bicubic(grid, outHeight: 9, outWidth: 11, filter: .bicubic, scale: scale)
        let expected = try Self.channelsLast(f["scale_factor_7x7_to_9x11"])
        expectClose(y, expected, rtol: 1e-6, atol: 3e-6)
        // Sampling at in / out instead gives a visibly different result.
        let bySize = try Resampling.bicubic(grid, outHeight: 9, outWidth: 11, filter: .bicubic)
        #expect(TensorComparison(bySize, expected).maxAbsoluteError > 1e-3)
    }

    /// `[1, C, H, W]` → `[H, W, C]`.
    static func channelsLast(_ t: Tensor) throws -> Tensor {
        let (c, h, w) = (t.shape[1], t.shape[2], t.shape[3])
        let x = t.scalars
        var y = [Float](repeating: 0, count: x.count)
        for ch in 0..<c { for p in 0..<(h * w) { y[p * c + ch] = x[ch * h * w + p] } }
        return try Tensor(shape: [h, w, c], scalars: y)
    }
}
