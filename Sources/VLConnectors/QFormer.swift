public import VLAttention
public import VLCore

/// The `qformer` configuration: `Blip2QFormerConfig`'s fields (`hidden_size` 768, `num_hidden_layers` 12,
/// `num_attention_heads` 12, `intermediate_size` 3072, `layer_norm_eps` 1e-12, `cross_attention_frequency` 2,
/// `encoder_hidden_size` 1408), BLIP-2's `num_query_tokens` (32) and `output_hidden_size` (the language
/// projection's width, required).
public struct QFormerConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "qformer"

    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var layerNormEpsilon: Float
    public var crossAttentionFrequency: Int
    public var encoderHiddenSize: Int
    public var numQueryTokens: Int
    public var outputHiddenSize: Int

    public init(hiddenSize: Int = 768, numHiddenLayers: Int = 12, numAttentionHeads: Int = 12, intermediateSize: Int = 3072,
                layerNormEpsilon: Float = 1e-12, crossAttentionFrequency: Int = 2, encoderHiddenSize: Int = 1408,
                numQueryTokens: Int = 32, outputHiddenSize: Int) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.layerNormEpsilon = layerNormEpsilon
        self.crossAttentionFrequency = crossAttentionFrequency
        self.encoderHiddenSize = encoderHiddenSize
        self.numQueryTokens = numQueryTokens
        self.outputHiddenSize = outputHiddenSize
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", layerNormEpsilon = "layer_norm_eps"
        case crossAttentionFrequency = "cross_attention_frequency", encoderHiddenSize = "encoder_hidden_size"
        case numQueryTokens = "num_query_tokens", outputHiddenSize = "output_hidden_size"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(hiddenSize: try c.decode(.hiddenSize, default: 768), numHiddenLayers: try c.decode(.numHiddenLayers, default: 12),
                  numAttentionHeads: try c.decode(.numAttentionHeads, default: 12),
                  intermediateSize: try c.decode(.intermediateSize, default: 3072),
                  layerNormEpsilon: Float(try c.decode(.layerNormEpsilon, default: 1e-12 as Double)),
                  crossAttentionFrequency: try c.decode(.crossAttentionFrequency, default: 2),
                  encoderHiddenSize: try c.decode(.encoderHiddenSize, default: 1408),
                  numQueryTokens: try c.decode(.numQueryTokens, default: 32),
                  outputHiddenSize: try c.decode(Int.self, forKey: .outputHiddenSize))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(Double(layerNormEpsilon), forKey: .layerNormEpsilon)
        try c.encode(crossAttentionFrequency, forKey: .crossAttentionFrequency)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(numQueryTokens, forKey: .numQueryTokens)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("hidden_size", hiddenSize), ("num_attention_heads", numAttentionHeads),
                                          ("intermediate_size", intermediateSize), ("cross_attention_frequency", crossAttentionFrequency),
                                          ("encoder_hidden_size", encoderHiddenSize), ("num_query_tokens", numQueryTokens),
                                          ("output_hidden_size", outputHiddenSize)], file: file)
        try ConfigurationChecks.depth(numHiddenLayers, "num_hidden_layers", file: file, allowZero: false)
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ConfigurationError(field: "\(file): num_attention_heads", reason: "\(numAttentionHeads) heads do not divide hidden_size \(hiddenSize)")
        }
        let widest = max(hiddenSize, intermediateSize, encoderHiddenSize, outputHiddenSize)
        try SizeLimits.checkElements([widest, widest], field: "\(file): sizes")
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try QFormerConnector(scope, configuration: self)
    }
}

/// BERT's attention block as the Q-Former has it (post-LN): `LayerNorm(dense(attention(x, context)) + x)`.
/// Keys `attention.{query,key,value}.*`, `output.dense.*`, `output.LayerNorm.*`.
public struct QFormerAttentionBlock: Module {
    public let attention: ProjectedAttention
    public let dense: Linear
    public let norm: LayerNorm
    public let parameters: ParameterRecord

    init(_ scope: ParameterScope, c: QFormerConfiguration, contextWidth: Int) throws {
        let d = c.hiddenSize
        attention = try ProjectedAttention(scope["attention"], names: .init(query: "query", key: "key", value: "value", output: nil),
                                           queryWidth: d, contextWidth: contextWidth, heads: c.numAttentionHeads,
                                           headDimension: d / c.numAttentionHeads, bias: true)
        dense = try Linear(scope["output.dense"], inFeatures: d, outFeatures: d)
        norm = try LayerNorm(scope["output.LayerNorm"], width: d, epsilon: c.layerNormEpsilon)
        parameters = scope.recorded()
    }

    func callAsFunction(_ x: Tensor, context: Tensor, mask: AttentionMask?) throws -> Tensor {
        let projected = try dense(try attention(queries: x, context: context, mask: mask))
        Tracing.record(dense.path, projected)
        Tracing.record(path + ".output.dropout", projected)
        let result = try norm(projected + x)
        for name in [norm.path, path + ".output", path] { Tracing.record(name, result) }
        return result
    }
}

/// One Q-Former layer on the query tokens (`Blip2QFormerLayer` with `query_length` = all of them): self-attention,
/// cross-attention to the image tokens on layers where `i % cross_attention_frequency == 0`, and the query
/// feed-forward `LayerNorm(output_query.dense(gelu(intermediate_query.dense(h))) + h)`.
public struct QFormerLayer: Module {
    public let selfAttention: QFormerAttentionBlock
    public let crossAttention: QFormerAttentionBlock?
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm
    public let parameters: ParameterRecord

    init(_ scope: ParameterScope, c: QFormerConfiguration, index: Int) throws {
        selfAttention = try QFormerAttentionBlock(scope["attention"], c: c, contextWidth: c.hiddenSize)
        crossAttention = index % c.crossAttentionFrequency == 0
            ? try QFormerAttentionBlock(scope["crossattention"], c: c, contextWidth: c.encoderHiddenSize) : nil
        intermediate = try Linear(scope["intermediate_query.dense"], inFeatures: c.hiddenSize, outFeatures: c.intermediateSize)
        output = try Linear(scope["output_query.dense"], inFeatures: c.intermediateSize, outFeatures: c.hiddenSize)
        outputNorm = try LayerNorm(scope["output_query.LayerNorm"], width: c.hiddenSize, epsilon: c.layerNormEpsilon)
        parameters = scope.recorded()
    }

    /// The layer after its self-attention: cross-attention (when it has one) and the feed-forward.
    func afterSelfAttention(_ h: Tensor, image: Tensor, mask: AttentionMask?) throws -> Tensor {
        let attended = try crossAttention.map { try $0(h, context: image, mask: mask) } ?? h
        let hidden = try intermediate(attended)
        Tracing.record(intermediate.path, hidden)
        let activated = hidden.gelu()
        Tracing.record(path + ".intermediate_query.intermediate_act_fn", activated)
        Tracing.record(path + ".intermediate_query", activated)
        let projected = try output(activated)
        Tracing.record(output.path, projected)
        Tracing.record(path + ".output_query.dropout", projected)
        let result = try outputNorm(projected + attended)
        for name in [outputNorm.path, path + ".output_query", path] { Tracing.record(name, result) }
        return result
    }
}

/// BLIP-2's Q-Former as a connector: learned `query_tokens [1, Q, D]`, layer-normed (`qformer.layernorm`), through
/// the Q-Former layers cross-attending to the whole vision output (class token included: BLIP-2's vision output
/// is already layer-normed, so no second norm), then `language_projection` to the language model's width.
///
/// `[B, N, Dv]` (any N) → `[B, Q, Dl]`. Keys as `Blip2Model` stores them: `query_tokens`, `qformer.layernorm.*`,
/// `qformer.encoder.layer.{i}.{attention,crossattention}.{attention.{query,key,value},output.{dense,LayerNorm}}.*`,
/// `...intermediate_query.dense.*`, `...output_query.{dense,LayerNorm}.*`, `language_projection.*`. A padding mask
/// over the image tokens (`ImageFeatures.attentionMask`) is BLIP-2's `encoder_attention_mask`.
///
/// The query tokens do not depend on the image, so their layer norm and the first layer's self-attention are
/// computed once, at load, by the same operations a call would run.
public struct QFormerConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let queryTokens: Tensor
    public let embeddingNorm: LayerNorm
    public let layers: [QFormerLayer]
    public let languageProjection: Linear
    /// The first layer's self-attention output on the normed query tokens `[1, Q, D]`.
    let firstLayerQueries: Tensor
    public let parameters: ParameterRecord

    public let inputWidth: Int
    public var outputWidth: Int { languageProjection.outFeatures }

    public init(_ scope: ParameterScope, configuration c: QFormerConfiguration) throws {
        try c.validate()
        configuration = c
        inputWidth = c.encoderHiddenSize
        queryTokens = try scope.load("query_tokens", shape: [1, c.numQueryTokens, c.hiddenSize], initializer: .random(std: 0.02))
        embeddingNorm = try LayerNorm(scope["qformer.layernorm"], width: c.hiddenSize, epsilon: c.layerNormEpsilon)
        layers = try (0..<c.numHiddenLayers).map { try QFormerLayer(scope["qformer.encoder.layer", $0], c: c, index: $0) }
        languageProjection = try Linear(scope["language_projection"], inFeatures: c.hiddenSize, outFeatures: c.outputHiddenSize)
        let queries = try embeddingNorm(queryTokens)
        firstLayerQueries = try layers[0].selfAttention(queries, context: queries, mask: nil)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int { queryTokens.shape[1] }

    /// `[B, N, Dv]` → `[B, Q, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        let (batch, _) = try validate(features, allowsMask: true)
        let image = features.tokens
        let mask = try features.attentionMask.map { try AttentionMask.keys($0, batch: batch, tokens: image.shape[1], path: path) }
        var h: Tensor
        var remaining = layers[...]
        if Tracing.isRecording {
            // Every module as PyTorch runs it: the normed queries and the first self-attention are not reused.
            let q = queryTokens.shape[1], d = queryTokens.shape[2]
            h = try embeddingNorm(try queryTokens.expanded(to: [batch, q, d]))
            for name in [embeddingNorm.path, child("qformer.dropout")] { Tracing.record(name, h) }
        } else {
            h = try layers[0].afterSelfAttention(try firstLayerQueries.expanded(to: [batch] + firstLayerQueries.shape.dropFirst()),
                                                 image: image, mask: mask)
            remaining = layers.dropFirst()
        }
        for layer in remaining {
            h = try layer.afterSelfAttention(try layer.selfAttention(h, context: h, mask: nil), image: image, mask: mask)
        }
        for name in [child("qformer.encoder"), child("qformer")] { Tracing.record(name, h) }
        let tokens = try languageProjection(h)
        Tracing.record(languageProjection.path, tokens)
        return tokens
    }

    private func child(_ name: String) -> String { path.isEmpty ? name : path + "." + name }

    public func flops(batch: Int, inputTokens n: Int) -> Int {
        let q = queryTokens.shape[1]
        var total = 0
        for (i, layer) in layers.enumerated() {
            if i > 0 { total += layer.selfAttention.attention.flops(batch: batch, queries: q, keys: q) + layer.selfAttention.dense.flops(rows: batch * q) }
            if let cross = layer.crossAttention { total += cross.attention.flops(batch: batch, queries: q, keys: n) + cross.dense.flops(rows: batch * q) }
            total += layer.intermediate.flops(rows: batch * q) + layer.output.flops(rows: batch * q)
        }
        return total + languageProjection.flops(rows: batch * q)
    }
}
