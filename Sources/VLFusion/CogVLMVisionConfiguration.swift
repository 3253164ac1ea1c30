public import VLCore

/// The `vision_config` object of CogVLM's `config.json`: the EVA2-CLIP tower of `model.vision`.
///
/// Keys: `hidden_size` (`Dv`), `intermediate_size` (the tower's MLP width), `num_heads`, `num_hidden_layers` (informative:
/// the layers run are those a weights file holds), `patch_size`, `image_size`, `in_channels` (3), `num_positions`
/// (`(image_size / patch_size)² + 1`: the learned position table has one row per patch plus the class token, and is
/// not interpolated, so images are exactly `image_size` square), `layer_norm_eps` (1e-6), `hidden_act` (`gelu`, exact).
public struct CogVLMVisionConfiguration: Codable, Sendable, Hashable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var heads: Int
    public var layers: Int
    public var patchSize: Int
    public var imageSize: Int
    public var channels: Int
    public var positions: Int
    public var layerNormEpsilon: Float
    public var activation: Activation

    public init(hiddenSize: Int, intermediateSize: Int, heads: Int, layers: Int, patchSize: Int, imageSize: Int, channels: Int = 3,
                positions: Int? = nil, layerNormEpsilon: Float = 1e-6, activation: Activation = .gelu) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.heads = heads
        self.layers = layers
        self.patchSize = patchSize
        self.imageSize = imageSize
        self.channels = channels
        self.positions = positions ?? (imageSize / max(patchSize, 1)) * (imageSize / max(patchSize, 1)) + 1
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
    }

    /// EVA2-CLIP-E as CogVLM and CogVLM2 use it (1792 wide, 63 layers, 16 heads, 14 px patches).
    public static func eva2CLIPE(imageSize: Int) -> CogVLMVisionConfiguration {
        CogVLMVisionConfiguration(hiddenSize: 1792, intermediateSize: 15360, heads: 16, layers: 63, patchSize: 14, imageSize: imageSize)
    }

    /// Patches per side: `image_size / patch_size`.
    public var gridSide: Int { imageSize / patchSize }

    private enum Keys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", heads = "num_heads", layers = "num_hidden_layers"
        case patchSize = "patch_size", imageSize = "image_size", channels = "in_channels", positions = "num_positions"
        case layerNormEpsilon = "layer_norm_eps", activation = "hidden_act"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let name = try c.decodeIfPresent(String.self, forKey: .activation) ?? "gelu"
        guard let activation = Activation(huggingFaceName: name) else {
            throw ConfigurationError(field: decoder.fieldName("hidden_act"), reason: "unsupported activation '\(name)'")
        }
        self.init(hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
                  heads: try c.decode(Int.self, forKey: .heads), layers: try c.decodeIfPresent(Int.self, forKey: .layers) ?? 0,
                  patchSize: try c.decode(Int.self, forKey: .patchSize), imageSize: try c.decode(Int.self, forKey: .imageSize),
                  channels: try c.decodeIfPresent(Int.self, forKey: .channels) ?? 3,
                  positions: try c.decodeIfPresent(Int.self, forKey: .positions),
                  layerNormEpsilon: Float(try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? 1e-6), activation: activation)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(heads, forKey: .heads)
        try c.encode(layers, forKey: .layers)
        try c.encode(patchSize, forKey: .patchSize)
        try c.encode(imageSize, forKey: .imageSize)
        try c.encode(channels, forKey: .channels)
        try c.encode(positions, forKey: .positions)
        try c.encode(Double(layerNormEpsilon), forKey: .layerNormEpsilon)
        try c.encode(activation.rawValue, forKey: .activation)
    }

    /// - Throws: ``ConfigurationError`` naming `file` and the `vision_config` key.
    public func validate(file: String = "config.json") throws(ConfigurationError) {
        let prefix = "\(file): vision_config."
        for (name, value) in [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize), ("num_heads", heads),
                              ("patch_size", patchSize), ("image_size", imageSize), ("in_channels", channels), ("num_positions", positions)] {
            try SizeLimits.checkDimension(value, field: prefix + name)
        }
        try SizeLimits.checkDepth(layers, field: prefix + "num_hidden_layers")
        guard hiddenSize % heads == 0 else {
            throw ConfigurationError(field: prefix + "num_heads", reason: "\(heads) heads do not divide hidden_size \(hiddenSize)")
        }
        guard imageSize % patchSize == 0 else {
            throw ConfigurationError(field: prefix + "image_size", reason: "\(imageSize) is not a multiple of patch_size \(patchSize)")
        }
        guard positions == gridSide * gridSide + 1 else {
            throw ConfigurationError(field: prefix + "num_positions",
                                     reason: "\(positions) positions for a \(gridSide) x \(gridSide) grid (expected \(gridSide * gridSide + 1))")
        }
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw ConfigurationError(field: prefix + "layer_norm_eps", reason: "must be positive, got \(layerNormEpsilon)")
        }
        try SizeLimits.checkElements([positions, max(hiddenSize, intermediateSize)], field: prefix + "sizes")
    }
}
