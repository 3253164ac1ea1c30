import Foundation
public import VLCore

/// CogVLM's `config.json` (THUDM `cogvlm-chat-hf`, `cogvlm2-llama3-chat-19B`), the keys the visual-expert layers and
/// the vision side read. Other keys (`vocab_size`, `num_hidden_layers`, ...) are ignored: the number of layers run is
/// the number a weights file holds.
///
/// | key | meaning |
/// |---|---|
/// | `hidden_size` | `D`, the language model's width (and the vision side's output width) |
/// | `intermediate_size` | the SwiGLU width of both experts' MLPs, and of the vision side's GLU adapter |
/// | `num_attention_heads` | query heads `H` (`hd = D / H`) |
/// | `num_multi_query_heads` | key-value heads (grouped-query attention); present in CogVLM2 only |
/// | `rms_norm_eps` | RMSNorm epsilon (default 1e-5) |
/// | `rope_theta` or `rope_base` | rotary base; absent: 10000 (CogVLM), 500000 (CogVLM2) |
/// | `hidden_act` | the experts' MLP activation; `silu` (the default) is the only one CogVLM uses |
/// | `vision_config` | the EVA2-CLIP tower (``CogVLMVisionConfiguration``); needed by the vision side only |
public struct CogVLMConfiguration: Codable, Sendable, Hashable {
    /// Which release the config describes: CogVLM2 declares `num_multi_query_heads`.
    public enum Generation: String, Sendable, CaseIterable {
        case cogvlm, cogvlm2
    }

    public var hiddenSize: Int
    public var intermediateSize: Int
    public var attentionHeads: Int
    /// `num_multi_query_heads`: nil in CogVLM (every head has its own keys and values).
    public var keyValueHeads: Int?
    public var rmsNormEpsilon: Float
    /// `rope_theta` / `rope_base` when the config states it.
    public var ropeBase: Double?
    public var vision: CogVLMVisionConfiguration?

    public init(hiddenSize: Int, intermediateSize: Int, attentionHeads: Int, keyValueHeads: Int? = nil, rmsNormEpsilon: Float = 1e-5,
                ropeBase: Double? = nil, vision: CogVLMVisionConfiguration? = nil) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.attentionHeads = attentionHeads
        self.keyValueHeads = keyValueHeads
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeBase = ropeBase
        self.vision = vision
    }

    /// CogVLM (`cogvlm-chat-hf`, Vicuna-7B): D 4096, 32 heads, SwiGLU 11008, EVA2-CLIP-E at 490 px.
    public static let cogvlm = CogVLMConfiguration(hiddenSize: 4096, intermediateSize: 11008, attentionHeads: 32,
                                                   vision: .eva2CLIPE(imageSize: 490))
    /// CogVLM2 (`cogvlm2-llama3-chat-19B`, LLaMA-3-8B): D 4096, 32 heads over 8 key-value heads, SwiGLU 14336, rotary base
    /// 500000, EVA2-CLIP-E at 1344 px with the 2x2 merge.
    public static let cogvlm2 = CogVLMConfiguration(hiddenSize: 4096, intermediateSize: 14336, attentionHeads: 32, keyValueHeads: 8,
                                                    vision: .eva2CLIPE(imageSize: 1344))

    public var generation: Generation { keyValueHeads == nil ? .cogvlm : .cogvlm2 }
    /// `hd = D / H`.
    public var headDimension: Int { hiddenSize / attentionHeads }
    /// Key-value heads: `num_multi_query_heads`, or `H`.
    public var keyValueHeadCount: Int { keyValueHeads ?? attentionHeads }
    /// The rotary base in use: the config's, else CogVLM's 10000 or CogVLM2's 500000.
    public var rotaryBase: Double { ropeBase ?? (generation == .cogvlm ? 10_000 : 500_000) }
    /// Width of the fused query-key-value projection: `D + 2 · Hkv · hd`.
    public var queryKeyValueWidth: Int { hiddenSize + 2 * keyValueHeadCount * headDimension }

    /// Reads CogVLM's `config.json`.
    /// - Throws: ``ConfigurationError`` naming the file and the key: a missing or mistyped key, sizes that do not fit.
    public init(contentsOf path: String) throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(Self.self, contentsOf: path)
    }

    private enum Keys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", attentionHeads = "num_attention_heads"
        case keyValueHeads = "num_multi_query_heads", rmsNormEpsilon = "rms_norm_eps", ropeTheta = "rope_theta", ropeBase = "rope_base"
        case hiddenAct = "hidden_act", vision = "vision_config"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let act = try c.decodeIfPresent(String.self, forKey: .hiddenAct), Activation(huggingFaceName: act) != .silu {
            throw ConfigurationError(field: decoder.fieldName("hidden_act"), reason: "'\(act)' is not supported; CogVLM's experts use silu")
        }
        self.init(hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
                  attentionHeads: try c.decode(Int.self, forKey: .attentionHeads),
                  keyValueHeads: try c.decodeIfPresent(Int.self, forKey: .keyValueHeads),
                  rmsNormEpsilon: Float(try c.decodeIfPresent(Double.self, forKey: .rmsNormEpsilon) ?? 1e-5),
                  ropeBase: try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? c.decodeIfPresent(Double.self, forKey: .ropeBase),
                  vision: try c.decodeIfPresent(CogVLMVisionConfiguration.self, forKey: .vision))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(attentionHeads, forKey: .attentionHeads)
        try c.encodeIfPresent(keyValueHeads, forKey: .keyValueHeads)
        try c.encode(Double(rmsNormEpsilon), forKey: .rmsNormEpsilon)
        try c.encodeIfPresent(ropeBase, forKey: .ropeTheta)
        try c.encode("silu", forKey: .hiddenAct)
        try c.encodeIfPresent(vision, forKey: .vision)
    }

    /// Checks sizes before anything is allocated.
    /// - Throws: ``ConfigurationError`` naming `file` and the key.
    public func validate(file: String = "config.json") throws(ConfigurationError) {
        for (name, value) in [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize), ("num_attention_heads", attentionHeads),
                              ("num_multi_query_heads", keyValueHeadCount)] {
            try SizeLimits.checkDimension(value, field: "\(file): \(name)")
        }
        guard hiddenSize % attentionHeads == 0, headDimension % 2 == 0 else {
            throw ConfigurationError(field: "\(file): num_attention_heads",
                                     reason: "\(attentionHeads) heads must divide hidden_size \(hiddenSize) into an even head dimension (rotary)")
        }
        guard attentionHeads % keyValueHeadCount == 0 else {
            throw ConfigurationError(field: "\(file): num_multi_query_heads",
                                     reason: "\(keyValueHeadCount) key-value heads do not divide \(attentionHeads) heads")
        }
        guard rmsNormEpsilon > 0, rmsNormEpsilon.isFinite else {
            throw ConfigurationError(field: "\(file): rms_norm_eps", reason: "must be positive, got \(rmsNormEpsilon)")
        }
        guard rotaryBase > 1, rotaryBase.isFinite else {
            throw ConfigurationError(field: "\(file): rope_theta", reason: "must be above 1, got \(rotaryBase)")
        }
        try SizeLimits.checkElements([max(queryKeyValueWidth, intermediateSize), hiddenSize], field: "\(file): sizes")
        try vision?.validate(file: file)
    }
}
