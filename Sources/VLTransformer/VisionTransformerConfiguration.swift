public import VLCore
public import VLPatchEmbedding

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
    public init(huggingFaceConfig json: JSONValue, file: String = "config.json") throws(ConfigurationError) {
        guard case .object = json else { throw ConfigurationError(field: file, reason: "not a JSON object") }
        guard case .string(let modelType)? = json["model_type"] else {
            throw ConfigurationError(field: "\(file): model_type", reason: "missing; expected one of \(Self.supportedModelTypes.joined(separator: ", "))")
        }
        var config = json
        switch modelType {
        case "clip", "siglip":
            config = json["vision_config"] ?? .object([])
        case "clip_vision_model", "siglip_vision_model", "dinov2", "dinov2_with_registers":
            break
        default:
            throw ConfigurationError(field: "\(file): model_type",
                                     reason: "unknown model_type '\(modelType)'; supported: \(Self.supportedModelTypes.joined(separator: ", "))")
        }
        let reader = JSONConfigReader(json: config, file: file)
        switch modelType {
        case "clip", "clip_vision_model":
            let d = try reader.int("hidden_size", 768)
            self.init(family: .clip, hiddenSize: d, intermediateSize: try reader.int("intermediate_size", 3072),
                      layers: try reader.int("num_hidden_layers", 12), heads: try reader.int("num_attention_heads", 12),
                      channels: try reader.int("num_channels", 3), imageSize: try reader.imageSize(224),
                      patchSize: try reader.int("patch_size", 32), activation: try reader.activation("quick_gelu"),
                      layerNormEpsilon: try reader.float("layer_norm_eps", 1e-5))
        case "siglip", "siglip_vision_model":
            self.init(family: .siglip, hiddenSize: try reader.int("hidden_size", 768),
                      intermediateSize: try reader.int("intermediate_size", 3072),
                      layers: try reader.int("num_hidden_layers", 12), heads: try reader.int("num_attention_heads", 12),
                      channels: try reader.int("num_channels", 3), imageSize: try reader.imageSize(224),
                      patchSize: try reader.int("patch_size", 16), activation: try reader.activation("gelu_pytorch_tanh"),
                      layerNormEpsilon: try reader.float("layer_norm_eps", 1e-6),
                      usePoolingHead: try reader.bool("vision_use_head", true))
        default:
            let registers = modelType == "dinov2_with_registers"
            let d = try reader.int("hidden_size", 768)
            let swiGLU = try reader.bool("use_swiglu_ffn", false)
            let ratio = try reader.float("mlp_ratio", 4)
            var hidden = Int(Float(d) * ratio)
            if swiGLU { hidden = (Int(Double(hidden) * 2 / 3) + 7) / 8 * 8 }
            self.init(family: registers ? .dinov2WithRegisters : .dinov2, hiddenSize: d, intermediateSize: hidden,
                      layers: try reader.int("num_hidden_layers", 12), heads: try reader.int("num_attention_heads", 12),
                      channels: try reader.int("num_channels", 3), imageSize: try reader.imageSize(224),
                      patchSize: try reader.int("patch_size", registers ? 16 : 14), activation: try reader.activation("gelu"),
                      layerNormEpsilon: try reader.float("layer_norm_eps", 1e-6),
                      registerTokens: registers ? try reader.int("num_register_tokens", 4) : 0, useSwiGLU: swiGLU,
                      qkvBias: try reader.bool("qkv_bias", true),
                      useMaskToken: registers ? true : try reader.bool("use_mask_token", true))
        }
        try validate()
    }
}
