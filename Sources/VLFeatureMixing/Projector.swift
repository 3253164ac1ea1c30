import Foundation
public import VLConnectors
public import VLCore

/// Any `projector_type`, single-source connector or two-source mixture, built from its JSON config:
/// the registry behind `vlblocks connect`.
public enum Projector: Sendable {
    case connector(any Connector)
    case mixture(any FeatureMixer)

    /// Every `projector_type` name.
    public static let projectorTypes = ConnectorConfiguration.projectorTypes + ["i-mof", "a-mof"]

    /// The input tensor names: `image_features`, or `clip_features` and `dino_features`.
    public var inputNames: [String] {
        switch self {
        case .connector: ["image_features"]
        case .mixture: ["clip_features", "dino_features"]
        }
    }

    /// Builds the projector a config describes from `scope`.
    public static func make(config json: JSONValue, scope: ParameterScope, inputTokens: Int = 576, file: String = "config") throws -> Projector {
        let type: String? = if case .string(let s)? = json["projector_type"] { s } else { nil }
        switch type {
        case "i-mof", "a-mof":
            switch try MixtureConfiguration(json: json, file: file) {
            case .interleaved(let clip, let dino):
                return .mixture(try InterleavedMixtureOfFeatures(scope, clip: clip, dino: dino, inputTokens: inputTokens))
            case .additive(let alpha, let projector):
                return .mixture(try AdditiveMixtureOfFeatures(scope, alpha: alpha, projector: projector, inputTokens: inputTokens))
            }
        default:
            return .connector(try ConnectorFactory.make(try ConnectorConfiguration(json: json, file: file), scope: scope,
                                                        inputTokens: inputTokens))
        }
    }

    /// Loads a projector strictly: every key the config implies must be in `weights`, and nothing else.
    public static func load(
        config json: JSONValue, weights: any ParameterSource, file: String = "config", packWeights: Bool? = nil
    ) throws -> Projector {
        let loader = ParameterLoader(source: weights, packWeights: packWeights)
        let projector = try make(config: json, scope: loader.root, file: file)
        try loader.finish()
        return projector
    }

    /// Reads a config file (`.json`).
    public static func readConfig(path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(field: path, reason: "missing or unreadable")
        }
        do { return try JSONValue.parse(Array(data)) } catch {
            throw ConfigurationError(field: path, reason: "not valid JSON: \(error)")
        }
    }

    /// Runs the projector on named inputs (see ``inputNames``).
    public func callAsFunction(_ inputs: [String: Tensor]) throws -> Tensor {
        func input(_ name: String) throws -> Tensor {
            guard let tensor = inputs[name] else {
                throw ParameterError.missing(path: name, expectedShape: [], nearest: NearestKeys.find(name, in: inputs.keys.sorted()))
            }
            return tensor
        }
        switch self {
        case .connector(let connector): return try connector(try input("image_features"))
        case .mixture(let mixer): return try mixer(clip: try input("clip_features"), dino: try input("dino_features"))
        }
    }

    public var parameterCount: Int {
        switch self {
        case .connector(let c): c.parameterCount
        case .mixture(let m): m.parameterCount
        }
    }

    public var namedParameters: [String: Tensor] {
        switch self {
        case .connector(let c): c.namedParameters
        case .mixture(let m): m.namedParameters
        }
    }
}
