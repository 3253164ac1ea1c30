import Foundation
public import VLCore

/// Loads vision towers from Hugging Face checkpoint folders.
public enum VisionTower {
    /// Reads `config.json` and the weights (`model.safetensors` or a sharded index) of `directory`.
    ///
    /// Takes the vision tower of full `clip` / `siglip` checkpoints; accepts transformers 4.x and 5.x key
    /// names (with or without `vision_model.`, DINOv2's `attention.attention.query` and `mlp.weights_in`);
    /// converts fp16/bf16 weights to fp32. Loading is strict: a missing key, a wrong shape or a tower key
    /// that nothing uses is an error naming the key.
    /// - Parameters:
    ///   - packWeights: keep fp32 linear weights packed for VLBlocks' micro-kernel (default: ``WeightPacking/isEnabled``).
    ///   - precision: `.int8` quantises every linear layer as it is built (see ``Precision``).
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> VisionTransformer {
        let configuration = try loadConfiguration(directory: directory)
        let weights = try CheckpointWeights.open(directory: directory)
        return try load(configuration: configuration, weights: weights, packWeights: packWeights, precision: precision)
    }

    /// Parses `directory/config.json`.
    public static func loadConfiguration(directory: String) throws -> VisionTransformerConfiguration {
        try VisionTransformerConfiguration(contentsOf: (directory as NSString).appendingPathComponent("config.json"))
    }

    /// Builds the tower from `weights`, detecting the key layout.
    public static func load(
        configuration: VisionTransformerConfiguration, weights: any ParameterSource, packWeights: Bool? = nil, precision: Precision = .float32
    ) throws -> VisionTransformer {
        let names = weights.tensorNames
        let prefix = names.contains { $0.hasPrefix("vision_model.") } ? "vision_model." : ""
        let source = prefix.isEmpty ? weights : PrefixedSource(weights, prefix: prefix)
        var keys = VisionTransformer.KeyLayout.standard(for: configuration)
        if configuration.family == .dinov2 || configuration.family == .dinov2WithRegisters {
            if source.shape(of: "encoder.layer.0.attention.attention.query.weight") != nil {
                keys.attention = .dinov2Legacy
            }
            if configuration.useSwiGLU, source.shape(of: "encoder.layer.0.mlp.weights_in.weight") != nil {
                keys.mlp = .fusedWeightsIn
            }
        }
        // Older CLIP checkpoints carry the non-persistent `position_ids` buffer.
        let loader = ParameterLoader(source: source, ignoring: ["embeddings.position_ids"], packWeights: packWeights, precision: precision)
        do {
            let tower = try VisionTransformer(loader.root, configuration: configuration, keys: keys)
            try loader.finish()
            return tower
        } catch let error as ParameterError {
            throw error.prefixingPaths(with: prefix)  // name the keys as the file spells them
        }
    }

    /// A tower of a preset's size with random weights (deterministic per seed), for benchmarks.
    public static func random(_ preset: VisionPreset, seed: UInt64 = 0, packWeights: Bool? = nil, precision: Precision = .float32) throws -> VisionTransformer {
        try VisionTransformer(ParameterLoader(randomSeed: seed, packWeights: packWeights, precision: precision).root, configuration: preset.configuration)
    }
}
