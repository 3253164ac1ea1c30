public import VLCore

/// Which hidden state of a vision tower a vision-language model reads, and which of its tokens: LLaVA's
/// `mm_vision_select_layer` and `mm_vision_select_feature`, Honeybee's and MM1's choice of encoder layer.
public struct FeatureSelection: Sendable, Hashable, Codable {
    /// What to keep of the selected hidden state.
    public enum Tokens: String, Sendable, Hashable, Codable {
        /// The patch tokens only: class and register tokens dropped (LLaVA's `patch`).
        case patches
        /// Every token, class and registers first (LLaVA's `cls_patch`).
        case all
    }

    /// Index into transformers' `hidden_states` (`L + 1` entries for `L` layers): 0 is the embeddings output
    /// (after CLIP's `pre_layrnorm`), `L` the last layer's output before any final norm; negative values count
    /// from the end, so -1 is the last layer and -2 the one before it.
    public var layer: Int
    public var tokens: Tokens

    public init(layer: Int, tokens: Tokens = .patches) {
        self.layer = layer
        self.tokens = tokens
    }

    /// LLaVA-1.5's choice: the penultimate layer's patch tokens (`hidden_states[-2][:, 1:]`).
    public static let llava = FeatureSelection(layer: -2, tokens: .patches)

    /// The number of layers to run, `0 ... layers`, for a tower of `layers` layers.
    /// - Throws: ``ConfigurationError`` when `layer` is outside `-(layers + 1) ... layers`.
    public func resolvedLayer(layers: Int) throws(ConfigurationError) -> Int {
        let resolved = layer < 0 ? layer + layers + 1 : layer
        guard resolved >= 0, resolved <= layers else {
            throw ConfigurationError(field: "feature layer",
                                     reason: "\(layer) is outside -\(layers + 1) ... \(layers) for a tower of \(layers) layers (hidden_states has \(layers + 1) entries)")
        }
        return resolved
    }
}
