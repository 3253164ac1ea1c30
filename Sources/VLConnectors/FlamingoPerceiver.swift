public import VLAttention
public import VLCore

/// The `perceiver-flamingo` configuration: `encoder_hidden_size` (the vision width, which is also the resampler's
/// and the output width; required) and `IdeficsPerceiverConfig`'s `resampler_n_latents` (64), `resampler_depth` (6),
/// `resampler_n_heads` (16), `resampler_head_dim` (96), `qk_layer_norms_perceiver` (false); LayerNorm eps 1e-5.
public struct FlamingoPerceiverConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "perceiver-flamingo"

    public var encoderHiddenSize: Int
    public var latents: Int
    public var depth: Int
    public var heads: Int
    public var headDimension: Int
    public var queryKeyNorms: Bool

    public init(encoderHiddenSize: Int, latents: Int = 64, depth: Int = 6, heads: Int = 16, headDimension: Int = 96,
                queryKeyNorms: Bool = false) {
        self.encoderHiddenSize = encoderHiddenSize
        self.latents = latents
        self.depth = depth
        self.heads = heads
        self.headDimension = headDimension
        self.queryKeyNorms = queryKeyNorms
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", latents = "resampler_n_latents"
        case depth = "resampler_depth", heads = "resampler_n_heads", headDimension = "resampler_head_dim"
        case queryKeyNorms = "qk_layer_norms_perceiver"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize), latents: try c.decode(.latents, default: 64),
                  depth: try c.decode(.depth, default: 6), heads: try c.decode(.heads, default: 16),
                  headDimension: try c.decode(.headDimension, default: 96), queryKeyNorms: try c.decode(.queryKeyNorms, default: false))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(latents, forKey: .latents)
        try c.encode(depth, forKey: .depth)
        try c.encode(heads, forKey: .heads)
        try c.encode(headDimension, forKey: .headDimension)
        try c.encode(queryKeyNorms, forKey: .queryKeyNorms)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("encoder_hidden_size", encoderHiddenSize), ("resampler_n_latents", latents),
                                          ("resampler_n_heads", heads), ("resampler_head_dim", headDimension)], file: file)
        try ConfigurationChecks.depth(depth, "resampler_depth", file: file, allowZero: true)
        try SizeLimits.checkElements([max(4 * encoderHiddenSize, heads * headDimension), encoderHiddenSize], field: "\(file): sizes")
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try FlamingoPerceiverConnector(scope, configuration: self)
    }
}

/// One block of `IdeficsPerceiverResampler`: attention (`blocks.{i}.0`: LayerNorm of the context and of the latents,
/// queries from the latents, keys and values from `[context, latents]`, optional per-head q/k LayerNorms, queries
/// scaled before the product, `output_proj`) and the MLP (`blocks.{i}.1`: LayerNorm, `fc`, ReLU, `c_proj`, no
/// biases), each added to the latents.
public struct FlamingoPerceiverBlock: Module {
    public let contextNorm: LayerNorm
    public let latentsNorm: LayerNorm
    public let attention: ProjectedAttention
    public let mlpNorm: LayerNorm
    public let fc: Linear
    public let projection: Linear
    public let parameters: ParameterRecord

    init(_ scope: ParameterScope, c: FlamingoPerceiverConfiguration) throws {
        let d = c.encoderHiddenSize
        let a = scope["0"], m = scope["1"]
        contextNorm = try LayerNorm(a["context_layer_norm"], width: d, epsilon: 1e-5)
        latentsNorm = try LayerNorm(a["latents_layer_norm"], width: d, epsilon: 1e-5)
        let names = ProjectedAttention.Names(query: "q_proj", key: "k_proj", value: "v_proj", output: "output_proj",
                                             queryNorm: c.queryKeyNorms ? "q_layer_norm" : nil, keyNorm: c.queryKeyNorms ? "k_layer_norm" : nil)
        attention = try ProjectedAttention(a, names: names, queryWidth: d, contextWidth: d, heads: c.heads, headDimension: c.headDimension,
                                           outputWidth: d, bias: false, normEpsilon: 1e-5, scalesQueries: true)
        mlpNorm = try LayerNorm(m["ln"], width: d, epsilon: 1e-5)
        fc = try Linear(m["fc"], inFeatures: d, outFeatures: 4 * d, bias: false)
        projection = try Linear(m["c_proj"], inFeatures: 4 * d, outFeatures: d, bias: false)
        parameters = scope.recorded()
    }

    func callAsFunction(_ latents: Tensor, context: Tensor) throws -> Tensor {
        let normedContext = try contextNorm(context)
        Tracing.record(contextNorm.path, normedContext)
        let normed = try latentsNorm(latents)
        Tracing.record(latentsNorm.path, normed)
        let keys = try Tensor(concatenating: [normedContext, normed], axis: 1)
        let h = try (try attention(queries: normed, context: keys)) + latents
        let normedHidden = try mlpNorm(h)
        Tracing.record(mlpNorm.path, normedHidden)
        let hidden = try fc(normedHidden)
        Tracing.record(fc.path, hidden)
        let activated = hidden.relu()
        Tracing.record(mlpBase + ".act", activated)
        let projected = try projection(activated)
        Tracing.record(projection.path, projected)
        Tracing.record(mlpBase, projected)
        return try projected + h
    }

    /// The feed-forward half's module path (`blocks.{i}.1`).
    private var mlpBase: String { String(fc.path.dropLast(".fc".count)) }
}

/// The Flamingo / IDEFICS perceiver resampler (`IdeficsPerceiverResampler`): learned latents through
/// `resampler_depth` ``FlamingoPerceiverBlock``s, then a final LayerNorm. `[B, N, D]` (any N, class token included)
/// → `[B, L, D]`. Keys `latents [L, D]`, `blocks.{i}.0.*`, `blocks.{i}.1.*`, `layer_norm.*`. The reference takes no
/// padding mask, and neither does this port.
public struct FlamingoPerceiverConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let latents: Tensor
    public let blocks: [FlamingoPerceiverBlock]
    public let norm: LayerNorm
    public let parameters: ParameterRecord

    public var inputWidth: Int { norm.width }
    public var outputWidth: Int { norm.width }

    public init(_ scope: ParameterScope, configuration c: FlamingoPerceiverConfiguration) throws {
        try c.validate()
        configuration = c
        latents = try scope.load("latents", shape: [c.latents, c.encoderHiddenSize], initializer: .random(std: 1))
        blocks = try (0..<c.depth).map { try FlamingoPerceiverBlock(scope["blocks", $0], c: c) }
        norm = try LayerNorm(scope["layer_norm"], width: c.encoderHiddenSize, epsilon: 1e-5)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int { latents.shape[0] }

    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        let (batch, _) = try validate(features)
        var h = try latents.unsqueezed(axis: 0).expanded(to: [batch] + latents.shape)
        for block in blocks { h = try block(h, context: features.tokens) }
        let result = try norm(h)
        Tracing.record(norm.path, result)
        return result
    }

    public func flops(batch: Int, inputTokens n: Int) -> Int {
        let l = latents.shape[0]
        return blocks.reduce(0) { total, block in
            total + block.attention.flops(batch: batch, queries: l, keys: n + l) + block.fc.flops(rows: batch * l) + block.projection.flops(rows: batch * l)
        }
    }
}
