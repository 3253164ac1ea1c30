public import VLCore

/// The feed-forward part of a transformer block.
///
/// - ``Kind/standard(_:)``: `fc2(act(fc1(x)))` as `CLIPMLP`, `SiglipMLP`, DINOv2's MLP and timm's `Mlp`.
/// - ``Kind/swiGLU``: `down(silu(gate(x)) * up(x))` as DINOv2 giant (`Dinov2SwiGLUFFN`); the gate and up
///   projections are stored fused `[2H, D]` (one GEMM) and the down projection reads the gated half in
///   place (leading dimension `2H`).
public struct MLP: Layer {
    /// The nonlinearity: an activation between two projections, or SwiGLU's gated product.
    public enum Kind: Sendable, Equatable {
        case standard(Activation)
        case swiGLU
    }

    /// Key names of the projections.
    public enum KeyLayout: Sendable, Equatable {
        /// `fc1`, `fc2` (or other names, e.g. LLaVA's `0`, `2`).
        case twoLayers(first: String, second: String)
        /// transformers 5.x SwiGLU: `gate_proj`, `up_proj`, `down_proj`.
        case gateUpDown
        /// transformers 4.x SwiGLU (hub DINOv2 giant): fused `weights_in [2H, D]` (gate rows first), `weights_out`.
        case fusedWeightsIn

        public static let fc = KeyLayout.twoLayers(first: "fc1", second: "fc2")
    }

    public let kind: Kind
    public let layout: KeyLayout
    /// `[H, D]` (standard) or `[2H, D]` (SwiGLU: gate rows, then up rows).
    public let first: Linear
    /// `[D_out, H]`.
    public let second: Linear
    public let parameters: ParameterRecord
    /// The activation's module name in the PyTorch module tree, for traces: `activation_fn` (transformers' MLPs),
    /// `1` (an `nn.Sequential` of Linear, activation, Linear), `act_fn` (SwiGLU); nil when the activation is a
    /// function call rather than a module.
    package var activationModuleName: String?

    public var inFeatures: Int { first.inFeatures }
    public var hiddenFeatures: Int { kind == .swiGLU ? first.outFeatures / 2 : first.outFeatures }
    public var outFeatures: Int { second.outFeatures }
    /// Scratch columns per row that ``apply(_:rows:hidden:output:accumulate:)`` needs.
    package var scratchWidth: Int { first.outFeatures }

    /// - Parameter bias: whether the projections have biases (`nn.Linear(..., bias=False)` in LLaMA-style MLPs).
    public init(
        _ scope: ParameterScope, inFeatures: Int, hiddenFeatures: Int, outFeatures: Int? = nil, kind: Kind,
        layout: KeyLayout = .fc, bias: Bool = true
    ) throws {
        let out = outFeatures ?? inFeatures
        self.kind = kind
        self.layout = layout
        switch (kind, layout) {
        case (.standard, .twoLayers(let a, let b)):
            first = try Linear(scope[a], inFeatures: inFeatures, outFeatures: hiddenFeatures, bias: bias)
            second = try Linear(scope[b], inFeatures: hiddenFeatures, outFeatures: out, bias: bias)
        case (.swiGLU, .gateUpDown):
            // Gate and up rows in one [2H, D] projection (one GEMM); the record reads each half back.
            let gate = try Linear(scope["gate_proj"], inFeatures: inFeatures, outFeatures: hiddenFeatures, bias: bias, packing: false,
                                  precision: .float32)
            let up = try Linear(scope["up_proj"], inFeatures: inFeatures, outFeatures: hiddenFeatures, bias: bias, packing: false,
                                  precision: .float32)
            let fused = try Linear(weight: try Tensor(concatenating: [gate.weight, up.weight], axis: 0, placement: .pages),
                                   bias: bias ? try Tensor(concatenating: [gate.bias!, up.bias!], axis: 0) : nil,
                                   path: scope.path("gate_up"), packing: scope.loader.prefersPackedWeights,
                                   precision: scope.loader.precision)
            for (i, name) in ["gate_proj", "up_proj"].enumerated() {
                let h = hiddenFeatures
                scope.rebind(name + ".weight") { try! fused.weight.narrowed(axis: 0, start: i * h, length: h) }
                if bias { scope.rebind(name + ".bias") { try! fused.bias!.narrowed(axis: 0, start: i * h, length: h) } }
            }
            first = fused
            second = try Linear(scope["down_proj"], inFeatures: hiddenFeatures, outFeatures: out, bias: bias)
        case (.swiGLU, .fusedWeightsIn):
            first = try Linear(scope["weights_in"], inFeatures: inFeatures, outFeatures: 2 * hiddenFeatures, bias: bias)
            second = try Linear(scope["weights_out"], inFeatures: hiddenFeatures, outFeatures: out, bias: bias)
        default:
            throw ConfigurationError(field: scope.prefix, reason: "MLP kind \(kind) cannot use key layout \(layout)")
        }
        parameters = scope.recorded()
        switch layout {
        case .twoLayers("0", "2"): activationModuleName = "1"
        case .twoLayers: activationModuleName = "activation_fn"
        case .gateUpDown, .fusedWeightsIn: activationModuleName = "act_fn"
        }
    }

    /// `[..., D]` → `[..., D_out]`.
    public func callAsFunction(_ x: Tensor) throws(ShapeError) -> Tensor {
        guard x.rank >= 1, x.shape.last == inFeatures else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(inFeatures)]", actual: x.shape)
        }
        let rows = x.count / max(inFeatures, 1)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * scratchWidth, 1))
        defer { hidden.deallocate() }
        return Tensor(shape: Array(x.shape.dropLast()) + [outFeatures]) { out in
            x.withUnsafeBufferPointer { apply($0.baseAddress!, rows: rows, hidden: hidden, output: out.baseAddress!) }
        }
    }

    /// The MLP written with tensor operations: `fc2(act(fc1(x)))`, or `down(silu(gate(x)) * up(x))`.
    package func composedForward(_ x: Tensor) throws -> Tensor {
        let hidden = try first(x)
        switch kind {
        case .standard(let activation):
            return try second(hidden.activated(activation))
        case .swiGLU:
            let halves = try hidden.chunked(2, axis: -1)
            return try second(try halves[0].silu() * halves[1])
        }
    }

    /// The fused MLP, or ``tracedForward(_:base:)`` under ``path`` while a trace records.
    package func traceable(_ x: Tensor) throws -> Tensor {
        Tracing.isRecording ? try tracedForward(x, base: path) : try self(x)
    }

    /// ``composedForward(_:)`` recording what forward hooks see under `base` (the MLP's module path): `fc1` (before
    /// the activation), the activation, `fc2`, and the MLP; for SwiGLU `gate_proj`, `act_fn`, `up_proj`, `down_proj`.
    package func tracedForward(_ x: Tensor, base: String) throws -> Tensor {
        func child(_ name: String) -> String { base.isEmpty ? name : base + "." + name }
        let hidden = try first(x)
        let result: Tensor
        switch (kind, layout) {
        case (.standard(let activation), .twoLayers(let a, let b)):
            Tracing.record(child(a), hidden)
            let activated = hidden.activated(activation)
            if let name = activationModuleName { Tracing.record(child(name), activated) }
            result = try second(activated)
            Tracing.record(child(b), result)
        case (.swiGLU, _):
            let halves = try hidden.chunked(2, axis: -1)
            let gate = halves[0].silu()
            Tracing.record(child("gate_proj"), halves[0])
            if let name = activationModuleName { Tracing.record(child(name), gate) }
            Tracing.record(child("up_proj"), halves[1])
            result = try second(try gate * halves[1])
            Tracing.record(child("down_proj"), result)
        default:
            result = try composedForward(x)
        }
        Tracing.record(base, result)
        return result
    }

    /// Pointer form: `hidden` holds `rows * scratchWidth` scalars; with `accumulate`, adds into `output`.
    package func apply(
        _ input: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        switch kind {
        case .standard(let activation):
            first.apply(input, rows: rows, output: hidden, activation: activation)
            second.apply(hidden, rows: rows, output: output, accumulate: accumulate)
        case .swiGLU:
            first.apply(input, rows: rows, output: hidden)
            let h = hiddenFeatures
            parallelChunks(count: rows, minimumChunk: max(1, 16_384 / max(h, 1))) { range in
                for r in range {
                    let gate = hidden + r * 2 * h
                    Activation.silu.applySerially(gate, count: h)
                    let up = gate + h
                    for j in 0..<h { gate[j] *= up[j] }
                }
            }
            // The gated product sits in the first half of each 2H-wide row: read it in place.
            second.apply(hidden, rows: rows, inputStride: 2 * h, output: output, accumulate: accumulate)
        }
    }

    /// FLOPs of one call on `rows` rows.
    public func flops(rows: Int) -> Int { first.flops(rows: rows) + 2 * rows * hiddenFeatures * outFeatures }
}
