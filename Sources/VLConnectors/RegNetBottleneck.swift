public import VLCore

/// timm's `ConvNormAct` with a 1x1 convolution (no bias) and `LayerNormAct2d` (layer norm over channels,
/// eps 1e-5), on channels-last pixels `[P, C_in]` → `[P, C_out]`: one GEMM over all pixels, then a row
/// layer norm. Keys `conv.weight [O, I, 1, 1]`, `bn.weight`, `bn.bias`.
struct PointwiseConvNorm: Module {
    let conv: Linear
    let norm: LayerNorm
    let parameters: ParameterRecord

    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int) throws {
        let weight = try scope.load("conv.weight", shape: [outChannels, inChannels, 1, 1], initializer: .fanIn(inChannels))
        let conv = try Linear(weight: try weight.reshaped([outChannels, inChannels]), bias: nil, path: scope.path("conv"),
                              packing: scope.loader.prefersPackedWeights, precision: scope.loader.precision)
        scope.rebind("conv.weight") { try! conv.weight.reshaped([outChannels, inChannels, 1, 1]) }
        self.conv = conv
        norm = try LayerNorm(scope["bn"], width: outChannels, epsilon: 1e-5)
        parameters = scope.recorded()
    }

    func apply(_ x: UnsafePointer<Float>, pixels: Int, output: UnsafeMutablePointer<Float>) {
        conv.apply(x, rows: pixels, output: output)
        norm.apply(output, rows: pixels, output: output)
    }

    /// ``apply(_:pixels:output:)`` then `activation`, recording what hooks on timm's `ConvNormAct` see while a trace
    /// records: `conv`, `bn.drop`, `bn.act`, `bn` and the module (NCHW, `map` = `(B, H, W)`).
    func apply(_ x: UnsafePointer<Float>, map: (Int, Int, Int), output: UnsafeMutablePointer<Float>, activation: Activation) {
        let (batch, height, width) = map
        let pixels = batch * height * width, c = norm.width
        guard Tracing.isRecording else {
            apply(x, pixels: pixels, output: output)
            activation.apply(output, count: pixels * c)
            return
        }
        func record(_ name: String) {
            Tracing.recordChannelsLast(path + name, output, batch: batch, height: height, width: width, channels: c)
        }
        conv.apply(x, rows: pixels, output: output)
        record(".conv")
        norm.apply(output, rows: pixels, output: output)
        record(".bn.drop")
        activation.apply(output, count: pixels * c)
        for name in [".bn.act", ".bn", ""] { record(name) }
    }
}

/// timm's RegNet `Bottleneck` as the C-Abstractor configures it (bottleneck ratio 1, group size 1, SE ratio
/// 0.25, SiLU, `LayerNorm2d`), on channels-last maps `[B, H, W, C]`:
///
/// `conv1` 1x1 → LN → SiLU; `conv2` 3x3 depthwise (padding 1) → LN → SiLU; squeeze-excitation (mean over
/// pixels → `fc1` → SiLU → `fc2` → sigmoid gate, `round(C_in / 4)` channels, half to even as Python rounds);
/// `conv3` 1x1 → LN; plus the shortcut (identity, or `downsample` 1x1 + LN when widths differ); SiLU.
public struct RegNetBottleneck: Module {
    let conv1: PointwiseConvNorm
    /// The depthwise `[C, 1, 3, 3]` weight tap-major, `[3, 3, C]`, for the channels-last kernel.
    let depthwiseTaps: Tensor
    let norm2: LayerNorm
    let squeeze: Linear
    let excite: Linear
    let conv3: PointwiseConvNorm
    let downsample: PointwiseConvNorm?
    public let inChannels: Int
    public let outChannels: Int
    public let parameters: ParameterRecord

    public var squeezeChannels: Int { squeeze.outFeatures }

    public init(_ scope: ParameterScope, inChannels: Int, outChannels: Int) throws {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let c = outChannels
        conv1 = try PointwiseConvNorm(scope["conv1"], inChannels: inChannels, outChannels: c)
        let depthwiseWeight = try scope["conv2"].load("conv.weight", shape: [c, 1, 3, 3], initializer: .fanIn(9))
        depthwiseTaps = DepthwiseConvolution.tapMajor(depthwiseWeight, channels: c, kernel: 3)
        norm2 = try LayerNorm(scope["conv2"]["bn"], width: c, epsilon: 1e-5)
        let se = Int((Double(inChannels) * 0.25).rounded(.toNearestOrEven))
        guard se > 0 else {
            throw ConfigurationError(field: scope.path("se"), reason: "input width \(inChannels) leaves no squeeze-excitation channels")
        }
        let fc1 = try scope["se"].load("fc1.weight", shape: [se, c, 1, 1], initializer: .fanIn(c))
        squeeze = try Linear(weight: try fc1.reshaped([se, c]), bias: try scope["se"].load("fc1.bias", shape: [se], initializer: .zeros),
                             path: scope.path("se.fc1"), packing: false)
        let fc2 = try scope["se"].load("fc2.weight", shape: [c, se, 1, 1], initializer: .fanIn(se))
        excite = try Linear(weight: try fc2.reshaped([c, se]), bias: try scope["se"].load("fc2.bias", shape: [c], initializer: .zeros),
                            path: scope.path("se.fc2"), packing: false)
        conv3 = try PointwiseConvNorm(scope["conv3"], inChannels: c, outChannels: c)
        downsample = inChannels == outChannels ? nil : try PointwiseConvNorm(scope["downsample"], inChannels: inChannels, outChannels: c)
        parameters = scope.recorded()
    }

    /// `x [B, H, W, C_in]` → `output [B, H, W, C_out]` (`output` must not alias `x`).
    package func apply(_ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        let pixels = height * width, rows = batch * pixels, c = outChannels
        let map = (batch, height, width)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: rows * c)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: rows * c)
        defer { a.deallocate(); b.deallocate() }
        func record(_ name: String, _ pointer: UnsafePointer<Float>, channels: Int? = nil) {
            Tracing.recordChannelsLast(path + name, pointer, batch: batch, height: height, width: width, channels: channels ?? c)
        }
        conv1.apply(x, map: map, output: a, activation: .silu)
        depthwiseTaps.withUnsafeBufferPointer { taps in
            DepthwiseConvolution.apply(a, batch: batch, height: height, width: width, channels: c, weight: taps.baseAddress!,
                                       bias: nil, kernel: 3, padding: 1, output: b)
        }
        if Tracing.isRecording { record(".conv2.conv", b) }
        norm2.apply(b, rows: rows, output: b)
        if Tracing.isRecording { record(".conv2.bn.drop", b) }
        Activation.silu.apply(b, count: rows * c)
        if Tracing.isRecording { for name in [".conv2.bn.act", ".conv2.bn", ".conv2"] { record(name, b) } }
        exciteChannels(b, batch: batch, pixels: pixels)
        if Tracing.isRecording { record(".se", b) }
        conv3.apply(b, map: map, output: output, activation: .identity)
        if Tracing.isRecording { record(".drop_path", output) }
        if let downsample {
            downsample.apply(x, map: map, output: a, activation: .identity)
            Self.add(a, into: output, count: rows * c)
        } else {
            if Tracing.isRecording { record(".downsample", x, channels: inChannels) }
            Self.add(x, into: output, count: rows * c)
        }
        Activation.silu.apply(output, count: rows * c)
        if Tracing.isRecording { for name in [".act3", ""] { record(name, output) } }
    }

    /// Squeeze-excitation in place on `h [B, P, C]`.
    func exciteChannels(_ h: UnsafeMutablePointer<Float>, batch: Int, pixels: Int) {
        let c = outChannels, se = squeezeChannels
        var means = [Float](repeating: 0, count: batch * c)
        var hidden = [Float](repeating: 0, count: batch * se)
        var gates = [Float](repeating: 0, count: batch * c)
        means.withUnsafeMutableBufferPointer { m in
            for image in 0..<batch {
                let sum = m.baseAddress! + image * c
                for p in 0..<pixels {
                    let row = h + (image * pixels + p) * c
                    var j = 0
                    while j + 8 <= c { (Float8.load(sum + j) + Float8.load(row + j)).store(sum + j); j += 8 }
                    while j < c { sum[j] += row[j]; j += 1 }
                }
                for j in 0..<c { sum[j] /= Float(pixels) }
            }
            hidden.withUnsafeMutableBufferPointer { t in
                squeeze.apply(m.baseAddress!, rows: batch, output: t.baseAddress!)
                func record(_ names: [String], _ pointer: UnsafePointer<Float>, channels: Int) {
                    guard Tracing.isRecording else { return }
                    for name in names {
                        Tracing.recordChannelsLast(path + name, pointer, batch: batch, height: 1, width: 1, channels: channels)
                    }
                }
                record([".se.fc1", ".se.bn"], t.baseAddress!, channels: se)
                Activation.silu.apply(t.baseAddress!, count: batch * se)
                record([".se.act"], t.baseAddress!, channels: se)
                gates.withUnsafeMutableBufferPointer { g in
                    excite.apply(t.baseAddress!, rows: batch, output: g.baseAddress!)
                    record([".se.fc2"], g.baseAddress!, channels: c)
                    Activation.sigmoid.apply(g.baseAddress!, count: batch * c)
                    record([".se.gate"], g.baseAddress!, channels: c)
                    parallelChunks(count: batch * pixels, minimumChunk: max(1, 8192 / max(c, 1))) { range in
                        for item in range {
                            let gate = g.baseAddress! + (item / pixels) * c
                            let row = h + item * c
                            var j = 0
                            while j + 8 <= c { (Float8.load(row + j) * Float8.load(gate + j)).store(row + j); j += 8 }
                            while j < c { row[j] *= gate[j]; j += 1 }
                        }
                    }
                }
            }
        }
    }

    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, minimumChunk: 65_536) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound { (Float8.load(target + i) + Float8.load(source + i)).store(target + i); i += 8 }
            while i < range.upperBound { target[i] += source[i]; i += 1 }
        }
    }

    /// FLOPs on `batch x pixels` pixels.
    public func flops(batch: Int, pixels: Int) -> Int {
        let rows = batch * pixels, c = outChannels
        var total = conv1.conv.flops(rows: rows) + 2 * rows * c * 9 + conv3.conv.flops(rows: rows)
        total += squeeze.flops(rows: batch) + excite.flops(rows: batch)
        if let downsample { total += downsample.conv.flops(rows: rows) }
        return total
    }
}

/// timm's `RegStage`: bottleneck blocks `b1 ... bK`, the first mapping `C_in → C_out`, the rest `C_out → C_out`.
public struct RegNetStage: Module {
    public let blocks: [RegNetBottleneck]
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, depth: Int, inChannels: Int, outChannels: Int) throws {
        blocks = try (0..<depth).map { i in
            try RegNetBottleneck(scope["b\(i + 1)"], inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels)
        }
        parameters = scope.recorded()
    }

    /// `[B, H, W, C_in]` → `[B, H, W, C_out]`.
    package func apply(_ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        let rows = batch * height * width
        let c = blocks.last?.outChannels ?? 0
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * c, 1))
        defer { scratch.deallocate() }
        var source = x
        for (i, block) in blocks.enumerated() {
            let destination = (blocks.count - 1 - i) % 2 == 0 ? output : scratch
            block.apply(source, batch: batch, height: height, width: width, output: destination)
            source = UnsafePointer(destination)
        }
        if Tracing.isRecording { Tracing.recordChannelsLast(path, output, batch: batch, height: height, width: width, channels: c) }
    }

    public func flops(batch: Int, pixels: Int) -> Int { blocks.reduce(0) { $0 + $1.flops(batch: batch, pixels: pixels) } }
}
