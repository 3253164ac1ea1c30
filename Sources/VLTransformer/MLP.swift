public import VLCore

/// The feed-forward part of a transformer block.
///
/// - ``Kind/standard(_:)``: `fc2(act(fc1(x)))` as `CLIPMLP`, `SiglipMLP`, DINOv2's MLP and timm's `Mlp`.
/// - ``Kind/swiGLU``: `down(silu(gate(x)) * up(x))` as DINOv2 giant (`Dinov2SwiGLUFFN`); the gate and up
///   projections are stored fused `[2H, D]` (one GEMM) and the down projection reads the gated half in
///   place (leading dimension `2H`).
public struct MLP: ParameterContainer, Sendable {
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
    public let path: String

    public var inFeatures: Int { first.inFeatures }
    public var hiddenFeatures: Int { kind == .swiGLU ? first.outFeatures / 2 : first.outFeatures }
    public var outFeatures: Int { second.outFeatures }
    /// Scratch columns per row that ``apply(_:rows:hidden:output:accumulate:)`` needs.
    public var scratchWidth: Int { first.outFeatures }

    public init(
        _ scope: ParameterScope, inFeatures: Int, hiddenFeatures: Int, outFeatures: Int? = nil, kind: Kind,
        layout: KeyLayout = .fc
    ) throws {
        let out = outFeatures ?? inFeatures
        self.kind = kind
        self.layout = layout
        self.path = scope.prefix
        switch (kind, layout) {
        case (.standard, .twoLayers(let a, let b)):
            first = try Linear(scope[a], inFeatures: inFeatures, outFeatures: hiddenFeatures)
            second = try Linear(scope[b], inFeatures: hiddenFeatures, outFeatures: out)
        case (.swiGLU, .gateUpDown):
            let gate = try Linear(scope["gate_proj"], inFeatures: inFeatures, outFeatures: hiddenFeatures, packing: false)
            let up = try Linear(scope["up_proj"], inFeatures: inFeatures, outFeatures: hiddenFeatures, packing: false)
            first = try Linear(weight: Self.stack(gate.weight, up.weight), bias: Self.stack(gate.bias!, up.bias!),
                               path: scope.path("gate_up"), packing: scope.loader.prefersPackedWeights)
            second = try Linear(scope["down_proj"], inFeatures: hiddenFeatures, outFeatures: out)
        case (.swiGLU, .fusedWeightsIn):
            first = try Linear(scope["weights_in"], inFeatures: inFeatures, outFeatures: 2 * hiddenFeatures)
            second = try Linear(scope["weights_out"], inFeatures: hiddenFeatures, outFeatures: out)
        default:
            throw ConfigurationError(field: scope.prefix, reason: "MLP kind \(kind) cannot use key layout \(layout)")
        }
    }

    static func stack(_ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor(shape: [a.shape[0] + b.shape[0]] + a.shape.dropFirst()) { out in
            a.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: a.count) }
            b.withUnsafeBufferPointer { (out.baseAddress! + a.count).update(from: $0.baseAddress!, count: b.count) }
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

    /// Pointer form: `hidden` holds `rows * scratchWidth` scalars; with `accumulate`, adds into `output`.
    public func apply(
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

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        switch layout {
        case .twoLayers(let a, let b):
            try first.visitParameters(prefix: a, visit)
            try second.visitParameters(prefix: b, visit)
        case .gateUpDown:
            let h = hiddenFeatures, d = inFeatures
            func half(_ t: Tensor, _ index: Int) -> Tensor {
                let shape = t.rank == 2 ? [h, d] : [h]
                let length = t.count / 2
                return Tensor(shape: shape) { out in
                    t.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress! + index * length, count: length) }
                }
            }
            try visit("gate_proj.weight", half(first.weight, 0))
            try visit("gate_proj.bias", half(first.bias!, 0))
            try visit("up_proj.weight", half(first.weight, 1))
            try visit("up_proj.bias", half(first.bias!, 1))
            try second.visitParameters(prefix: "down_proj", visit)
        case .fusedWeightsIn:
            try first.visitParameters(prefix: "weights_in", visit)
            try second.visitParameters(prefix: "weights_out", visit)
        }
    }

    /// FLOPs of one call on `rows` rows.
    public func flops(rows: Int) -> Int { first.flops(rows: rows) + 2 * rows * hiddenFeatures * outFeatures }
}
