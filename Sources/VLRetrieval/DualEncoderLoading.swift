import Foundation
public import VLCore
import VLTransformer

extension DualEncoder {
    /// The `model_type`s this loads.
    public static let supportedModelTypes = ["clip", "clip_vision_model", "clip_text_model", "siglip", "siglip_vision_model",
                                             "siglip_text_model", "dinov2", "dinov2_with_registers"]

    /// Loads a checkpoint folder: `config.json` and the weights (`model.safetensors` or a sharded index). Every tower
    /// the folder holds is loaded, with its projection and the logit scale and bias; loading is strict over the whole
    /// file (a missing, misshapen or unused key is an error naming the key as stored).
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> DualEncoder {
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw ConfigurationError(field: configPath, reason: "missing or unreadable")
        }
        let kind = try ConfigurationDecoding.decode(ModelKind.self, from: data, file: configPath)
        guard supportedModelTypes.contains(kind.modelType) else {
            throw ConfigurationError(field: "\(configPath): model_type",
                                     reason: "unknown model_type '\(kind.modelType)'; supported: \(supportedModelTypes.joined(separator: ", "))")
        }
        let weights = try CheckpointWeights.open(directory: directory)
        let names = weights.tensorNames
        let family: Family = kind.modelType.hasPrefix("siglip") ? .siglip : kind.modelType.hasPrefix("dinov2") ? .dinov2 : .clip
        let hasVision = kind.modelType != "clip_text_model" && kind.modelType != "siglip_text_model"
        let hasText = kind.modelType == "clip" || kind.modelType == "siglip" || kind.modelType.hasSuffix("_text_model")
        let vision = hasVision
            ? try VisionTower.load(configuration: try VisionTransformerConfiguration(huggingFaceConfig: data, file: configPath),
                                   weights: weights, packWeights: packWeights, precision: precision) : nil
        let text = hasText
            ? try TextTower.load(configuration: try TextTransformerConfiguration(huggingFaceConfig: data, file: configPath),
                                 weights: weights, packWeights: packWeights, precision: precision) : nil
        // The keys outside the towers: projections and the logit scale and bias.
        let top = ["visual_projection.weight", "text_projection.weight", "logit_scale", "logit_bias"]
        let loader = ParameterLoader(source: weights, packWeights: packWeights, precision: precision)
        func projection(_ name: String, width: Int?) throws -> Linear? {
            guard let width, let shape = weights.shape(of: name + ".weight") else { return nil }
            guard shape.count == 2, shape[1] == width, shape[0] > 0 else {
                throw ParameterError.shapeMismatch(path: name + ".weight", expected: [shape.first ?? 0, width], actual: shape)
            }
            return try Linear(loader.root[name], inFeatures: width, outFeatures: shape[0], bias: false)
        }
        func scalar(_ name: String) throws -> Tensor? {
            guard let shape = weights.shape(of: name) else { return nil }
            guard shape.reduce(1, *) == 1 else { throw ParameterError.shapeMismatch(path: name, expected: [], actual: shape) }
            return try loader.load(name, shape: shape, initializer: .zeros)
        }
        let encoder = DualEncoder(family: family, vision: vision, visualProjection: try projection("visual_projection", width: vision?.configuration.hiddenSize),
                                  text: text, textProjection: try projection("text_projection", width: text?.configuration.hiddenSize),
                                  logitScale: try scalar("logit_scale"), logitBias: try scalar("logit_bias"))
        // Keys no part took. Each tower checks its own keys; a tower stored without a prefix checks every key outside
        // the others too. What remains: top-level names nothing loaded, and (with both towers prefixed) strangers.
        let towerPrefixes = ["vision_model.", "text_model."]
        let prefixed = { (present: Bool, prefix: String) in !present || names.contains { $0.hasPrefix(prefix) } }
        let everyTowerPrefixed = prefixed(vision != nil, "vision_model.") && prefixed(text != nil, "text_model.")
        let loaded = loader.loadedNames
        let unused = names.filter { name in
            if towerPrefixes.contains(where: { name.hasPrefix($0) }) { return false }
            return top.contains(name) ? !loaded.contains(name) : everyTowerPrefixed
        }
        if !unused.isEmpty { throw ParameterError.unused(paths: unused.sorted()) }
        return encoder
    }
}

/// `model_type` of a `config.json`.
private struct ModelKind: Decodable {
    let modelType: String
    private enum Keys: String, CodingKey { case modelType = "model_type" }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        guard let type = try c.decodeIfPresent(String.self, forKey: .modelType) else {
            throw ConfigurationError(field: decoder.fieldName("model_type"), reason: "missing; expected one of \(DualEncoder.supportedModelTypes.joined(separator: ", "))")
        }
        modelType = type
    }
}
