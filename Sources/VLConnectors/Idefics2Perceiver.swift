public import VLAttention
public import VLCore
public import VLTransformer

/// The `perceiver-idefics2` configuration: `encoder_hidden_size` (Dv, required), `intermediate_size` (the modality
/// projection's SwiGLU width, default 14336), `hidden_size` (the resampler's and output width Dl, default 4096), and
/// `Idefics2PerceiverConfig`'s `resampler_n_latents` (64), `resampler_depth` (3), `resampler_n_heads` (16),
/// `resampler_head_dim` (96), `num_key_value_heads` (4), `rms_norm_eps` (1e-6); SiLU throughout.
public struct Idefics2PerceiverConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "perceiver-idefics2"
    /// Weights saved from `Idefics2Model` carry `model.connector.`; files with or without it load.
    public static var checkpointPrefixes: [String] { ["model.connector."] }

    public var encoderHiddenSize: Int
    public var intermediateSize: Int
    public var hiddenSize: Int
    public var latents: Int
    public var depth: Int
    public var heads: Int
    public var headDimension: Int
    public var keyValueHeads: Int
    public var rmsNormEpsilon: Float

    public init(encoderHiddenSize: Int, intermediateSize: Int = 14336, hiddenSize: Int = 4096, latents: Int = 64, depth: Int = 3,
                heads: Int = 16, headDimension: Int = 96, keyValueHeads: Int = 4, rmsNormEpsilon: Float = 1e-6) {
        self.encoderHiddenSize = encoderHiddenSize
        self.intermediateSize = intermediateSize
        self.hiddenSize = hiddenSize
        self.latents = latents
        self.depth = depth
        self.heads = heads
        self.headDimension = headDimension
        self.keyValueHeads = keyValueHeads
        self.rmsNormEpsilon = rmsNormEpsilon
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", intermediateSize = "intermediate_size"
        case hiddenSize = "hidden_size", latents = "resampler_n_latents", depth = "resampler_depth", heads = "resampler_n_heads"
        case headDimension = "resampler_head_dim", keyValueHeads = "num_key_value_heads", rmsNormEpsilon = "rms_norm_eps"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  intermediateSize: try c.decode(.intermediateSize, default: 14336), hiddenSize: try c.decode(.hiddenSize, default: 4096),
                  latents: try c.decode(.latents, default: 64), depth: try c.decode(.depth, default: 3), heads: try c.decode(.heads, default: 16),
                  headDimension: try c.decode(.headDimension, default: 96), keyValueHeads: try c.decode(.keyValueHeads, default: 4),
                  rmsNormEpsilon: Float(try c.decode(.rmsNormEpsilon, default: 1e-6 as Double)))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(latents, forKey: .latents)
        try c.encode(depth, forKey: .depth)
        try c.encode(heads, forKey: .heads)
        try c.encode(headDimension, forKey: .headDimension)
        try c.encode(keyValueHeads, forKey: .keyValueHeads)
        try c.encode(Double(rmsNormEpsilon), forKey: .rmsNormEpsilon)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("encoder_hidden_size", encoderHiddenSize), ("intermediate_size", intermediateSize),
                                          ("hidden_size", hiddenSize), ("resampler_n_latents", latents), ("resampler_n_heads", heads),
                                          ("resampler_head_dim", headDimension), ("num_key_value_heads", keyValueHeads)], file: file)
        try ConfigurationChecks.depth(depth, "resampler_depth", file: file, allowZero: true)
        guard heads % keyValueHeads == 0 else {
            throw ConfigurationError(field: "\(file): num_key_value_heads", reason: "\(keyValueHeads) key-value heads do not divide \(heads) heads")
        }
        let widest = max(encoderHiddenSize, intermediateSize, 4 * hiddenSize, heads * headDimension)
        try SizeLimits.checkElements([widest, max(encoderHiddenSize, hiddenSize)], field: "\(file): sizes")
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try Idefics2PerceiverConnector(scope, configuration: self)
    }
}

/// One layer of `Idefics2PerceiverResampler`: RMSNorm of the latents and of the context; queries from the latents,
/// keys and values from `[context, latents]` (grouped-query heads); `o_proj`; residual; RMSNorm, SwiGLU MLP
/// (`4 x` width, no biases); residual. Keys `input_latents_norm`, `input_context_norm`, `self_attn.{q,k,v,o}_proj`,
/// `post_attention_layernorm`, `mlp.{gate,up,down}_proj`.
public struct Idefics2PerceiverLayer: Module {
    public let latentsNorm: RMSNorm
    public let contextNorm: RMSNorm
    public let attention: ProjectedAttention
    public let postAttentionNorm: RMSNorm
    public let mlp: MLP
    public let parameters: ParameterRecord

    init(_ scope: ParameterScope, c: Idefics2PerceiverConfiguration) throws {
        let d = c.hiddenSize
        latentsNorm = try RMSNorm(scope["input_latents_norm"], width: d, epsilon: c.rmsNormEpsilon)
        contextNorm = try RMSNorm(scope["input_context_norm"], width: d, epsilon: c.rmsNormEpsilon)
        attention = try ProjectedAttention(scope["self_attn"], names: .llama, queryWidth: d, contextWidth: d, heads: c.heads,
                                           keyValueHeads: c.keyValueHeads, headDimension: c.headDimension, outputWidth: d, bias: false)
        postAttentionNorm = try RMSNorm(scope["post_attention_layernorm"], width: d, epsilon: c.rmsNormEpsilon)
        mlp = try MLP(scope["mlp"], inFeatures: d, hiddenFeatures: 4 * d, outFeatures: d, kind: .swiGLU, layout: .gateUpDown, bias: false)
        parameters = scope.recorded()
    }

    /// `latents [B, L, D]`, `context [B, N, D]`, `mask` over the `N + L` keys.
    func callAsFunction(_ latents: Tensor, context: Tensor, mask: AttentionMask?) throws -> Tensor {
        let normed = try latentsNorm(latents)
        Tracing.record(latentsNorm.path, normed)
        let normedContext = try contextNorm(context)
        Tracing.record(contextNorm.path, normedContext)
        let keys = try Tensor(concatenating: [normedContext, normed], axis: 1)
        let h = try latents + (try attention(queries: normed, context: keys, mask: mask))
        let normedHidden = try postAttentionNorm(h)
        Tracing.record(postAttentionNorm.path, normedHidden)
        let result = try h + (try mlp.traceable(normedHidden))
        Tracing.record(path, result)
        return result
    }
}

/// IDEFICS2's connector (`Idefics2Connector`): the modality projection (SwiGLU `Dv -> intermediate -> Dl`, no
/// biases) on every image token, then the perceiver resampler: `resampler_n_latents` learned latents through
/// `resampler_depth` ``Idefics2PerceiverLayer``s, then a final RMSNorm.
///
/// `[B, N, Dv]` (any N) → `[B, L, Dl]`. Keys as transformers stores them, with or without `model.connector.`:
/// `modality_projection.{gate,up,down}_proj.weight`, `perceiver_resampler.latents [L, Dl]`,
/// `perceiver_resampler.layers.{i}.*`, `perceiver_resampler.norm.weight`. A padding mask over the image tokens
/// (`ImageFeatures.attentionMask`) is the connector's `attention_mask` (the latents are always attended to).
public struct Idefics2PerceiverConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let modalityProjection: MLP
    public let latents: Tensor
    public let layers: [Idefics2PerceiverLayer]
    public let norm: RMSNorm
    public let parameters: ParameterRecord

    public var inputWidth: Int { modalityProjection.inFeatures }
    public var outputWidth: Int { norm.width }

    public init(_ scope: ParameterScope, configuration c: Idefics2PerceiverConfiguration) throws {
        try c.validate()
        configuration = c
        modalityProjection = try MLP(scope["modality_projection"], inFeatures: c.encoderHiddenSize, hiddenFeatures: c.intermediateSize,
                                     outFeatures: c.hiddenSize, kind: .swiGLU, layout: .gateUpDown, bias: false)
        let resampler = scope["perceiver_resampler"]
        latents = try resampler.load("latents", shape: [c.latents, c.hiddenSize], initializer: .ones)
        layers = try (0..<c.depth).map { try Idefics2PerceiverLayer(resampler["layers", $0], c: c) }
        norm = try RMSNorm(resampler["norm"], width: c.hiddenSize, epsilon: c.rmsNormEpsilon)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int { latents.shape[0] }

    /// `[B, N, Dv]` → `[B, L, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        let (batch, n) = try validate(features, allowsMask: true)
        let context = try modalityProjection.traceable(features.tokens)
        let l = latents.shape[0]
        let mask = try features.attentionMask.map { keep in
            try AttentionMask.keys(try Tensor(concatenating: [keep, Tensor(shape: [batch, l], repeating: 1)], axis: 1),
                                   batch: batch, tokens: n + l, path: path)
        }
        if let keep = features.attentionMask, keep.shape != [batch, n] {
            throw ShapeError(path: path, tensor: "attention_mask", expected: [batch, n].shapeDescription, actual: keep.shape)
        }
        var h = try latents.unsqueezed(axis: 0).expanded(to: [batch, l, latents.shape[1]])
        for layer in layers { h = try layer(h, context: context, mask: mask) }
        let result = try norm(h)
        Tracing.record(norm.path, result)
        Tracing.record(String(norm.path.dropLast(".norm".count)), result)
        return result
    }

    public func flops(batch: Int, inputTokens n: Int) -> Int {
        let l = latents.shape[0]
        var total = modalityProjection.flops(rows: batch * n)
        for layer in layers {
            total += layer.attention.flops(batch: batch, queries: l, keys: n + l) + layer.mlp.flops(rows: batch * l)
        }
        return total
    }
}
