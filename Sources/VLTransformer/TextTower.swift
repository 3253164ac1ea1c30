import Foundation
public import VLCore

/// Loads text towers from Hugging Face checkpoint folders.
public enum TextTower {
    /// Reads `config.json` and the weights of `directory`: `CLIPTextModel`, `CLIPTextModelWithProjection`,
    /// `SiglipTextModel`, or the text half of `CLIPModel` / `SiglipModel`.
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> TextTransformer {
        let configuration = try TextTransformerConfiguration(contentsOf: (directory as NSString).appendingPathComponent("config.json"))
        return try load(configuration: configuration, weights: try CheckpointWeights.open(directory: directory), packWeights: packWeights, precision: precision)
    }

    /// Builds the tower from `weights`, with or without the `text_model.` prefix. Loading is strict within the
    /// tower: a missing key, a wrong shape or a tower key nothing uses is an error naming the key as stored.
    public static func load(configuration: TextTransformerConfiguration, weights: any ParameterSource, packWeights: Bool? = nil, precision: Precision = .float32) throws -> TextTransformer {
        let prefix = weights.tensorNames.contains { $0.hasPrefix("text_model.") } ? "text_model." : ""
        let source: any ParameterSource = prefix.isEmpty
            ? TowerSource(weights, excluding: ["vision_model.", "visual_projection.", "text_projection.", "logit_scale", "logit_bias"])
            : PrefixedSource(weights, prefix: prefix)
        // Checkpoints saved by older transformers carry the non-persistent `position_ids` buffer.
        let loader = ParameterLoader(source: source, ignoring: ["embeddings.position_ids"], packWeights: packWeights, precision: precision)
        do {
            return try loader.build { try TextTransformer($0, configuration: configuration) }
        } catch let error as ParameterError {
            throw error.prefixingPaths(with: prefix)
        }
    }

    /// A tower of the real size with random weights (deterministic per seed), for benchmarks.
    public static func random(_ configuration: TextTransformerConfiguration, seed: UInt64 = 0, packWeights: Bool? = nil, precision: Precision = .float32) throws -> TextTransformer {
        try TextTransformer(ParameterLoader(randomSeed: seed, packWeights: packWeights, precision: precision).root, configuration: configuration)
    }
}

/// The tensors of `base` except those under the given prefixes: one tower's share of a two-tower file whose text
/// keys carry no prefix.
struct TowerSource: ParameterSource {
    let base: any ParameterSource
    let excluded: [String]

    init(_ base: any ParameterSource, excluding: [String]) {
        self.base = base
        self.excluded = excluding
    }

    var tensorNames: [String] { base.tensorNames.filter { name in !excluded.contains { name.hasPrefix($0) } } }
    func shape(of name: String) -> [Int]? { excluded.contains { name.hasPrefix($0) } ? nil : base.shape(of: name) }
    func tensor(named name: String) throws -> Tensor { try base.tensor(named: name) }
}
