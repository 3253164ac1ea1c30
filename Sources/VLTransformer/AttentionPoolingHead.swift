public import VLAttention
public import VLCore

/// Attention pooling with `T` learned probes, SigLIP's `SiglipMultiheadAttentionPoolingHead`
/// generalised from one probe to many: `h = MHA(probe, x, x)`, then `h + mlp(layernorm(h))`.
///
/// `[B, N, D]` → `[B, T, D]`. With `T = 1` it is exactly SigLIP's head (whose pooler output is row 0).
/// Checkpoint keys: `probe [1, T, D]`, `attention.in_proj_weight [3D, D]`, `attention.in_proj_bias`,
/// `attention.out_proj.{weight,bias}`, `layernorm.*`, `mlp.fc1.*`, `mlp.fc2.*`.
public struct AttentionPoolingHead: Layer {
    public let probe: Tensor
    /// `probe · W_qᵀ + b_q` `[T, D]`: the probes do not depend on the input, so their query projection is
    /// computed once, at load time, by the same kernel a call would use (bitwise the same result).
    let projectedProbe: Tensor
    public let attention: MultiHeadAttention
    public let layerNorm: LayerNorm
    public package(set) var mlp: MLP
    public let parameters: ParameterRecord

    public var width: Int { attention.width }
    public var probes: Int { probe.shape[1] }

    public init(
        _ scope: ParameterScope, width: Int, heads: Int, intermediateSize: Int, probes: Int = 1, epsilon: Float,
        activation: Activation = .geluTanh
    ) throws {
        guard probes > 0 else { throw ConfigurationError(field: scope.path("probe"), reason: "needs at least one probe") }
        probe = try scope.load("probe", shape: [1, probes, width], initializer: .random(std: 1))
        attention = try MultiHeadAttention(scope["attention"], width: width, heads: heads, layout: .packedInProjection)
        layerNorm = try LayerNorm(scope["layernorm"], width: width, epsilon: epsilon)
        mlp = try MLP(scope["mlp"], inFeatures: width, hiddenFeatures: intermediateSize, kind: .standard(activation))
        parameters = scope.recorded()
        let (probe, attention) = (self.probe, self.attention)
        projectedProbe = Tensor(shape: [probes, width]) { out in
            probe.withUnsafeBufferPointer { attention.projectQueries($0.baseAddress!, rows: probes, output: out.baseAddress!) }
        }
    }

    /// `[B, N, D]` → `[B, T, D]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[2] == width, x.shape[0] > 0, x.shape[1] > 0 else {
            throw ShapeError(path: path, tensor: "hidden_states", expected: "[B, N, \(width)]", actual: x.shape)
        }
        let (batch, n, t, d) = (x.shape[0], x.shape[1], probes, width)
        var workspace = AttentionWorkspace(rows: batch * max(n, t), width: d, heads: attention.heads, queries: t, keys: n)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: batch * t * mlp.scratchWidth)
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: batch * t * d)
        defer { hidden.deallocate(); normed.deallocate() }
        return Tensor(shape: [batch, t, d]) { out in
            x.withUnsafeBufferPointer { context in
                projectedProbe.withUnsafeBufferPointer { queries in
                    attention.crossAttention(queries: queries.baseAddress!, queryBatch: 1, queryCount: t,
                                             context: context.baseAddress!, batch: batch, tokens: n, mask: nil,
                                             workspace: &workspace, output: out.baseAddress!, queriesAreProjected: true)
                }
            }
            layerNorm.apply(out.baseAddress!, rows: batch * t, output: normed)
            mlp.apply(normed, rows: batch * t, hidden: hidden, output: out.baseAddress!, accumulate: true)
        }
    }

    /// FLOPs for `batch` inputs of `tokens` tokens (the probes' query projection is done at load time).
    public func flops(batch: Int, tokens: Int) -> Int {
        attention.flops(batch: batch, queries: probes, keys: tokens, sharedQueries: true, queriesProjected: true)
            + mlp.flops(rows: batch * probes)
    }
}

extension AttentionPoolingHead {
    /// The head composed from tensor operations, recording what hooks on `SiglipMultiheadAttentionPoolingHead` (or
    /// an attention-pooling connector) see, under ``path``: `attention` (the `nn.MultiheadAttention` output),
    /// `layernorm`, the MLP's parts and `mlp`. Returns `[B, T, D]`; the caller records the head's own output.
    package func tracedForward(_ x: Tensor) throws -> Tensor {
        func child(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
        let attended = try attention.tracedAttention(probe, context: x, base: child("attention"))
        Tracing.record(child("attention"), attended)
        let normed = try layerNorm(attended)
        Tracing.record(child("layernorm"), normed)
        return try attended + (try mlp.tracedForward(normed, base: child("mlp")))
    }
}
