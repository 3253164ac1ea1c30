import VLAttention
public import VLCore

/// A stack of CogVLM decoder layers with their visual experts, from `inputs_embeds` on, and the final RMSNorm when a
/// checkpoint has one: `model.layers.{0 ..< n}` and `model.norm` of CogVLM's `CogVLMModel`.
///
/// `inputs_embeds [B, L, D]`, routed by ``ExpertRouting`` (token types, padding) → `hidden_states [B, L, D]`. Rows at
/// padded positions are unspecified (they take part in nothing: padded keys are masked for every query).
public struct VisualExpertDecoder: Module {
    public let configuration: CogVLMConfiguration
    public let layers: [VisualExpertLayer]
    /// `norm` (`model.norm.weight`), when the checkpoint holds it.
    public let norm: RMSNorm?
    public let parameters: ParameterRecord

    /// Builds `layerCount` layers from `scope` (`layers.{i}.*`) and, with `finalNorm`, `norm.weight`.
    public init(_ scope: ParameterScope, configuration c: CogVLMConfiguration, layerCount: Int, finalNorm: Bool) throws {
        try c.validate()
        try SizeLimits.checkDepth(layerCount, field: "layers")
        configuration = c
        layers = try (0..<layerCount).map { try VisualExpertLayer(scope["layers", $0], configuration: c) }
        norm = finalNorm ? try RMSNorm(scope["norm"], width: c.hiddenSize, epsilon: c.rmsNormEpsilon) : nil
        parameters = scope.recorded()
    }

    /// Loads the decoder layers a checkpoint holds under `prefix` (`model.` by default): every consecutive
    /// `layers.{i}` from 0, and `norm.weight` when present. Strict: a missing key, a wrong shape, or a key nobody reads
    /// (another model part, a layer after a gap) is a ``ParameterError`` naming it; so is a file with neither a layer nor
    /// the norm (it names layer 0's first key and the nearest keys the file has). The `rotary_emb.inv_freq` buffer old
    /// checkpoints carry is ignored (the angles come from the config).
    public static func load(
        configuration: CogVLMConfiguration, weights: any ParameterSource, prefix: String = "model.", packWeights: Bool? = nil
    ) throws -> VisualExpertDecoder {
        let names = Set(weights.tensorNames)
        var count = 0
        while names.contains(where: { $0.hasPrefix("\(prefix)layers.\(count).") }) { count += 1 }
        let ignored = names.filter { $0.hasPrefix(prefix + "layers.") && $0.hasSuffix(".self_attn.rotary_emb.inv_freq") }
        let loader = ParameterLoader(source: weights, ignoring: ignored.sorted(), packWeights: packWeights)
        let scope = prefix.isEmpty ? loader.root : loader.root[String(prefix.dropLast())]
        let finalNorm = names.contains(prefix + "norm.weight")
        return try loader.build { _ in
            try VisualExpertDecoder(scope, configuration: configuration, layerCount: finalNorm ? count : max(count, 1), finalNorm: finalNorm)
        }
    }

    /// Random weights of the configured sizes (benchmarks, tests): `layerCount` layers and the final norm.
    public static func random(configuration: CogVLMConfiguration, layerCount: Int = 1, seed: UInt64 = 0, packWeights: Bool? = nil) throws -> VisualExpertDecoder {
        let loader = ParameterLoader(randomSeed: seed, packWeights: packWeights)
        return try VisualExpertDecoder(loader.root["model"], configuration: configuration, layerCount: layerCount, finalNorm: true)
    }

    /// `inputsEmbeds [B, L, D]` → `hidden_states [B, L, D]` after every layer and the final norm (when loaded).
    /// - Throws: ``ShapeError`` when `inputsEmbeds` is not `[B, L, D]` for `routing`, or when the activations of
    ///   `B · L` positions would exceed ``SizeLimits/maximumActivationElements`` (checked before allocating).
    public func callAsFunction(inputsEmbeds: Tensor, routing: ExpertRouting) throws -> Tensor {
        var last = inputsEmbeds
        try run(inputsEmbeds, routing: routing) { last = $0 }
        return last
    }

    /// Every intermediate: the output of each layer in order, then (when loaded) the final norm's. Observable
    /// intermediates turn "the output differs" into "layer 7 differs".
    public func hiddenStates(inputsEmbeds: Tensor, routing: ExpertRouting) throws -> [Tensor] {
        var states: [Tensor] = []
        try run(inputsEmbeds, routing: routing) { states.append($0) }
        return states
    }

    private func run(_ inputsEmbeds: Tensor, routing: ExpertRouting, _ observe: (Tensor) -> Void) throws {
        let d = configuration.hiddenSize
        guard inputsEmbeds.shape == [routing.batch, routing.length, d] else {
            throw ShapeError(path: path, tensor: "inputs_embeds", expected: [routing.batch, routing.length, d].shapeDescription,
                             actual: inputsEmbeds.shape)
        }
        let widest = max(configuration.queryKeyValueWidth, 2 * configuration.intermediateSize)
        guard let count = Tensor.checkedCount([routing.batch, routing.length, widest]), count <= SizeLimits.maximumActivationElements else {
            throw ShapeError(path: path, tensor: "inputs_embeds",
                             expected: "at most \(SizeLimits.maximumActivationElements / widest) positions (activations of \(widest) per position)",
                             actual: inputsEmbeds.shape)
        }
        // The rotary angles of this batch's position ids, computed once for every layer.
        let table = try RotaryEmbedding(dimension: configuration.headDimension, base: configuration.rotaryBase)
            .table(positions: routing.positionCount)
        var x = inputsEmbeds
        for layer in layers {
            x = try layer(x, routing: routing, rotaryTable: table)
            observe(x)
        }
        if let norm { observe(try norm(x)) }
    }

    /// FLOPs of every layer over `tokens` positions of `batch` sequences (the final norm is not counted).
    public func flops(batch: Int, tokens: Int) -> Int { layers.reduce(0) { $0 + $1.flops(batch: batch, tokens: tokens) } }
}
