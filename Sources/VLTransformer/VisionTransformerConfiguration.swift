public import Foundation
public import VLCore

/// The ViT families VLBlocks loads, each with its transformers 5.23 behaviour.
public enum VisionFamily: String, Codable, Sendable, CaseIterable {
    /// CLIP: class token, no patch bias, `pre_layrnorm`, QuickGELU (OpenAI), pooler = post-LN class token.
    case clip
    /// SigLIP: no class token, patch bias, `post_layernorm` on every token, attention-pooling head.
    case siglip
    /// DINOv2: class token, LayerScale, final `layernorm` on every token, pooler = its class token.
    case dinov2
    /// DINOv2 with register tokens; position embeddings resize with antialiasing.
    case dinov2WithRegisters = "dinov2_with_registers"
}

/// The shape and numerics of a ViT encoder.
public struct VisionTransformerConfiguration: Codable, Sendable, Equatable {
    public var family: VisionFamily
    public var hiddenSize: Int
    /// The MLP's hidden width (for SwiGLU, the width of the gated product).
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var channels: Int
    /// The native (pre-training) resolution; the position table has `(imageSize / patchSize)^2` patch rows.
    public var imageSize: Int
    public var patchSize: Int
    public var activation: Activation
    public var layerNormEpsilon: Float
    public var registerTokens: Int
    public var useSwiGLU: Bool
    public var qkvBias: Bool
    /// SigLIP's attention-pooling head (`vision_use_head`).
    public var usePoolingHead: Bool
    /// DINOv2's `mask_token` parameter (`use_mask_token`).
    public var useMaskToken: Bool

    public init(
        family: VisionFamily, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, channels: Int = 3,
        imageSize: Int, patchSize: Int, activation: Activation, layerNormEpsilon: Float, registerTokens: Int = 0,
        useSwiGLU: Bool = false, qkvBias: Bool = true, usePoolingHead: Bool? = nil, useMaskToken: Bool? = nil
    ) {
        self.family = family
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.channels = channels
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
        self.registerTokens = registerTokens
        self.useSwiGLU = useSwiGLU
        self.qkvBias = qkvBias
        self.usePoolingHead = usePoolingHead ?? (family == .siglip)
        self.useMaskToken = useMaskToken ?? (family == .dinov2 || family == .dinov2WithRegisters)
    }

    /// The native patch grid side.
    public var nativeGrid: Int { imageSize / patchSize }

    /// Checks the sizes fit together and stay within ``SizeLimits``.
    public func validate() throws(ConfigurationError) {
        try SizeLimits.checkDimension(hiddenSize, field: "hidden_size")
        try SizeLimits.checkDimension(intermediateSize, field: "intermediate_size")
        try SizeLimits.checkDimension(heads, field: "num_attention_heads")
        try SizeLimits.checkDimension(imageSize, field: "image_size")
        try SizeLimits.checkDimension(patchSize, field: "patch_size")
        try SizeLimits.checkDimension(channels, field: "num_channels")
        try SizeLimits.checkDepth(layers, field: "num_hidden_layers")
        try SizeLimits.checkDepth(registerTokens, field: "num_register_tokens")
        try SizeLimits.checkElements([max(hiddenSize, intermediateSize), hiddenSize, 3], field: "hidden_size x intermediate_size")
        try SizeLimits.checkElements([imageSize / max(patchSize, 1), imageSize / max(patchSize, 1), hiddenSize], field: "position embeddings")
        guard hiddenSize > 0, layers >= 0, heads > 0, hiddenSize % heads == 0 else {
            throw ConfigurationError(field: "num_attention_heads",
                                     reason: "\(heads) heads do not divide hidden_size \(hiddenSize)")
        }
        // The native size need not be a multiple of the patch (SigLIP so400m: 384 px, 14 px patches, a 27 x 27
        // grid): the patch convolution drops the remainder, as nn.Conv2d does.
        guard patchSize > 0, imageSize >= patchSize else {
            throw ConfigurationError(field: "image_size",
                                     reason: "image_size \(imageSize) is smaller than patch_size \(patchSize)")
        }
        guard channels > 0, intermediateSize > 0, registerTokens >= 0 else {
            throw ConfigurationError(field: "config", reason: "channels, intermediate size and register count must be positive")
        }
        if family == .clip || family == .siglip, useSwiGLU {
            throw ConfigurationError(field: "use_swiglu_ffn", reason: "only DINOv2 towers use SwiGLU")
        }
    }
}

extension VisionTransformerConfiguration {
    /// The Hugging Face `model_type`s this loads: vision towers and the full two-tower models.
    public static let supportedModelTypes = [
        "clip_vision_model", "clip", "siglip_vision_model", "siglip", "dinov2", "dinov2_with_registers",
    ]

    /// Reads a transformers `config.json`, with transformers' defaults for absent fields.
    /// For `clip` and `siglip` the `vision_config` object describes the tower.
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public init(huggingFaceConfig data: Data, file: String = "config.json") throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(HuggingFaceVisionConfig.self, from: data, file: file).configuration
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

/// The fields of a transformers vision `config.json` (CLIP, SigLIP, DINOv2 with or without registers, or the
/// `vision_config` of a full CLIP / SigLIP model) with transformers' defaults.
private struct HuggingFaceVisionConfig: Decodable {
    let configuration: VisionTransformerConfiguration

    private enum Keys: String, CodingKey {
        case modelType = "model_type", visionConfig = "vision_config"
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", layers = "num_hidden_layers"
        case heads = "num_attention_heads", channels = "num_channels", imageSize = "image_size", patchSize = "patch_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", visionUseHead = "vision_use_head"
        case registers = "num_register_tokens", useSwiGLU = "use_swiglu_ffn", mlpRatio = "mlp_ratio", qkvBias = "qkv_bias"
        case useMaskToken = "use_mask_token"
    }

    /// `image_size` as an integer or a square `[s, s]` pair.
    private struct ImageSize: Decodable {
        let side: Int
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let side = try? container.decode(Int.self) {
                self.side = side
                return
            }
            guard let pair = try? container.decode([Int].self), pair.count == 2, pair[0] == pair[1] else {
                throw ConfigurationError(field: decoder.fieldName(""), reason: "expected an integer or a square [size, size] pair")
            }
            side = pair[0]
        }
    }

    init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: Keys.self)
        let file = decoder.configurationFile
        let supported = VisionTransformerConfiguration.supportedModelTypes.joined(separator: ", ")
        guard let modelType = try outer.decodeIfPresent(String.self, forKey: .modelType) else {
            throw ConfigurationError(field: "\(file): model_type", reason: "missing; expected one of \(supported)")
        }
        guard VisionTransformerConfiguration.supportedModelTypes.contains(modelType) else {
            throw ConfigurationError(field: "\(file): model_type", reason: "unknown model_type '\(modelType)'; supported: \(supported)")
        }
        let c = modelType == "clip" || modelType == "siglip"
            ? (try? outer.nestedContainer(keyedBy: Keys.self, forKey: .visionConfig)) : outer
        func int(_ key: Keys, _ fallback: Int) throws -> Int { try c?.decodeIfPresent(Int.self, forKey: key) ?? fallback }
        func float(_ key: Keys, _ fallback: Float) throws -> Float { Float(try c?.decodeIfPresent(Double.self, forKey: key) ?? Double(fallback)) }
        func bool(_ key: Keys, _ fallback: Bool) throws -> Bool { try c?.decodeIfPresent(Bool.self, forKey: key) ?? fallback }
        func imageSize(_ fallback: Int) throws -> Int { try c?.decodeIfPresent(ImageSize.self, forKey: .imageSize)?.side ?? fallback }
        func activation(_ fallback: String) throws -> Activation {
            let name = try c?.decodeIfPresent(String.self, forKey: .hiddenAct) ?? fallback
            guard let activation = Activation(huggingFaceName: name) else {
                throw ConfigurationError(field: "\(file): hidden_act", reason: "unsupported activation '\(name)'")
            }
            return activation
        }
        switch modelType {
        case "clip", "clip_vision_model":
            configuration = .init(
                family: .clip, hiddenSize: try int(.hiddenSize, 768), intermediateSize: try int(.intermediateSize, 3072),
                layers: try int(.layers, 12), heads: try int(.heads, 12), channels: try int(.channels, 3), imageSize: try imageSize(224),
                patchSize: try int(.patchSize, 32), activation: try activation("quick_gelu"), layerNormEpsilon: try float(.layerNormEps, 1e-5))
        case "siglip", "siglip_vision_model":
            configuration = .init(
                family: .siglip, hiddenSize: try int(.hiddenSize, 768), intermediateSize: try int(.intermediateSize, 3072),
                layers: try int(.layers, 12), heads: try int(.heads, 12), channels: try int(.channels, 3), imageSize: try imageSize(224),
                patchSize: try int(.patchSize, 16), activation: try activation("gelu_pytorch_tanh"),
                layerNormEpsilon: try float(.layerNormEps, 1e-6), usePoolingHead: try bool(.visionUseHead, true))
        default:
            let registers = modelType == "dinov2_with_registers"
            let d = try int(.hiddenSize, 768)
            let swiGLU = try bool(.useSwiGLU, false)
            var hidden = Int(Float(d) * (try float(.mlpRatio, 4)))
            if swiGLU { hidden = (Int(Double(hidden) * 2 / 3) + 7) / 8 * 8 }
            configuration = .init(
                family: registers ? .dinov2WithRegisters : .dinov2, hiddenSize: d, intermediateSize: hidden,
                layers: try int(.layers, 12), heads: try int(.heads, 12), channels: try int(.channels, 3), imageSize: try imageSize(224),
                patchSize: try int(.patchSize, registers ? 16 : 14), activation: try activation("gelu"),
                layerNormEpsilon: try float(.layerNormEps, 1e-6), registerTokens: registers ? try int(.registers, 4) : 0,
                useSwiGLU: swiGLU, qkvBias: try bool(.qkvBias, true), useMaskToken: registers ? true : try bool(.useMaskToken, true))
        }
    }
}
