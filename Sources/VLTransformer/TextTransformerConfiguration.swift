public import Foundation
public import VLCore

/// The text-tower families VLBlocks loads, each with its transformers 5.23 behaviour.
public enum TextFamily: String, Codable, Sendable, CaseIterable {
    /// CLIP: causal attention plus the padding mask, pooled at the end-of-text token, `text_projection` (no bias).
    case clip
    /// SigLIP: bidirectional attention over all positions (pads included), pooled at the last position, `head` Linear.
    case siglip
}

/// The shape and numerics of a text tower (`CLIPTextConfig`, `SiglipTextConfig`).
public struct TextTransformerConfiguration: Codable, Sendable, Equatable {
    public var family: TextFamily
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    /// Positions of the learned position table (77 for CLIP, 64 for SigLIP).
    public var maxPositions: Int
    public var activation: Activation
    public var layerNormEpsilon: Float
    /// CLIP's `eos_token_id`: 2 in old configs selects the position of the largest id instead of the first eos.
    public var eosTokenID: Int
    /// SigLIP's `head` output width (`projection_size`, default the hidden size).
    public var projectionSize: Int

    public init(family: TextFamily, vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int,
                maxPositions: Int, activation: Activation, layerNormEpsilon: Float, eosTokenID: Int = 49407, projectionSize: Int? = nil) {
        self.family = family
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.maxPositions = maxPositions
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
        self.eosTokenID = eosTokenID
        self.projectionSize = projectionSize ?? hiddenSize
    }

    /// Checks the sizes fit together and stay within ``SizeLimits``.
    public func validate() throws(ConfigurationError) {
        for (name, value) in [("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                              ("num_attention_heads", heads), ("max_position_embeddings", maxPositions), ("projection_size", projectionSize)] {
            try SizeLimits.checkDimension(value, field: name)
        }
        try SizeLimits.checkDepth(layers, field: "num_hidden_layers")
        try SizeLimits.checkElements([vocabularySize, hiddenSize], field: "vocab_size x hidden_size")
        guard hiddenSize % heads == 0 else {
            throw ConfigurationError(field: "num_attention_heads", reason: "\(heads) heads do not divide hidden_size \(hiddenSize)")
        }
    }
}

extension TextTransformerConfiguration {
    /// The `model_type`s whose text tower this reads: the text models and the full two-tower models.
    public static let supportedModelTypes = ["clip", "clip_text_model", "siglip", "siglip_text_model"]

    /// Reads a transformers `config.json` (`text_config` of `clip` / `siglip`), with transformers' defaults.
    /// - Throws: ``ConfigurationError`` naming the file and the field; for a vision-only `model_type`, one that says so.
    public init(huggingFaceConfig data: Data, file: String = "config.json") throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(HuggingFaceTextConfig.self, from: data, file: file).configuration
        try validate()
    }

    /// Reads `path` (a `config.json`).
    public init(contentsOf path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(field: path, reason: "missing or unreadable")
        }
        try self.init(huggingFaceConfig: data, file: path)
    }
}

private struct HuggingFaceTextConfig: Decodable {
    let configuration: TextTransformerConfiguration

    private enum Keys: String, CodingKey {
        case modelType = "model_type", textConfig = "text_config", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size", layers = "num_hidden_layers", heads = "num_attention_heads"
        case maxPositions = "max_position_embeddings", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
        case eosTokenID = "eos_token_id", projectionSize = "projection_size"
    }

    init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: Keys.self)
        let file = decoder.configurationFile
        let supported = TextTransformerConfiguration.supportedModelTypes.joined(separator: ", ")
        guard let modelType = try outer.decodeIfPresent(String.self, forKey: .modelType) else {
            throw ConfigurationError(field: "\(file): model_type", reason: "missing; expected one of \(supported)")
        }
        guard TextTransformerConfiguration.supportedModelTypes.contains(modelType) else {
            throw ConfigurationError(field: "\(file): model_type",
                                     reason: "'\(modelType)' has no text tower VLBlocks reads; text towers come from \(supported)")
        }
        let c = modelType == "clip" || modelType == "siglip" ? (try? outer.nestedContainer(keyedBy: Keys.self, forKey: .textConfig)) : outer
        func int(_ key: Keys, _ fallback: Int) throws -> Int { try c?.decodeIfPresent(Int.self, forKey: key) ?? fallback }
        func activation(_ fallback: String) throws -> Activation {
            let name = try c?.decodeIfPresent(String.self, forKey: .hiddenAct) ?? fallback
            guard let activation = Activation(huggingFaceName: name) else {
                throw ConfigurationError(field: "\(file): hidden_act", reason: "unsupported activation '\(name)'")
            }
            return activation
        }
        /// `eos_token_id` may be an integer or a list (the first counts).
        func eos(_ fallback: Int) throws -> Int {
            if let single = try? c?.decodeIfPresent(Int.self, forKey: .eosTokenID) { return single }
            if let list = try? c?.decodeIfPresent([Int].self, forKey: .eosTokenID), let first = list.first { return first }
            return fallback
        }
        let siglip = modelType.hasPrefix("siglip")
        let d = try int(.hiddenSize, siglip ? 768 : 512)
        configuration = TextTransformerConfiguration(
            family: siglip ? .siglip : .clip, vocabularySize: try int(.vocabSize, siglip ? 32000 : 49408), hiddenSize: d,
            intermediateSize: try int(.intermediateSize, siglip ? 3072 : 2048), layers: try int(.layers, 12),
            heads: try int(.heads, siglip ? 12 : 8), maxPositions: try int(.maxPositions, siglip ? 64 : 77),
            activation: try activation(siglip ? "gelu_pytorch_tanh" : "quick_gelu"),
            layerNormEpsilon: Float(try c?.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? (siglip ? 1e-6 : 1e-5)),
            eosTokenID: try eos(49407), projectionSize: try c?.decodeIfPresent(Int.self, forKey: .projectionSize))
    }
}
