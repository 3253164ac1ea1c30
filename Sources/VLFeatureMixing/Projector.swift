public import Foundation
public import VLConnectors
public import VLCore

/// Any `projector_type`'s configuration: a single-source connector or a two-source mixture, decoded from a
/// config file through ``ConnectorRegistry`` and ``MixtureRegistry``.
public enum ProjectorConfiguration: Sendable, Codable {
    case connector(any ConnectorConfiguration)
    case mixture(any MixtureConfiguration)

    /// The `projector_type`.
    public var projectorType: String {
        switch self {
        case .connector(let c): type(of: c).projectorType
        case .mixture(let m): type(of: m).projectorType
        }
    }

    /// Every `projector_type` that loads: connectors, then mixtures.
    public static var projectorTypes: [String] { ConnectorRegistry.shared.projectorTypes + MixtureRegistry.shared.projectorTypes }

    private enum Keys: String, CodingKey { case projectorType = "projector_type" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let known = Self.projectorTypes.joined(separator: ", ")
        guard let name = try container.decodeIfPresent(String.self, forKey: .projectorType) else {
            throw ConfigurationError(field: decoder.fieldName("projector_type"), reason: "missing; expected one of \(known)")
        }
        if let type = MixtureRegistry.shared.configurationType(for: name) {
            self = .mixture(try type.init(from: decoder))
        } else if let type = ConnectorRegistry.shared.configurationType(for: name) {
            self = .connector(try type.init(from: decoder))
        } else {
            throw ConfigurationError(field: decoder.fieldName("projector_type"), reason: "unknown projector_type '\(name)'; supported: \(known)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .connector(let c): try c.encode(to: encoder)
        case .mixture(let m): try m.encode(to: encoder)
        }
    }

    /// Decodes a config (JSON bytes); `file` names it in errors.
    public init(json data: Data, file: String = "config") throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(Self.self, from: data, file: file)
    }

    /// Reads the config file at `path`.
    public init(contentsOf path: String) throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(Self.self, contentsOf: path)
    }
}

/// A built projector: a connector or a feature mixture, the registry's product behind `vlblocks connect`.
public enum Projector: Sendable {
    case connector(any Connector)
    case mixture(any FeatureMixer)

    /// The input tensor names: `image_features`, or `clip_features` and `dino_features`.
    public var inputNames: [String] {
        switch self {
        case .connector: ["image_features"]
        case .mixture: ["clip_features", "dino_features"]
        }
    }

    /// Builds the projector `configuration` describes from `scope`.
    public static func make(_ configuration: ProjectorConfiguration, scope: ParameterScope, inputTokens: Int = 576) throws -> Projector {
        switch configuration {
        case .connector(let c): .connector(try c.makeConnector(scope, inputTokens: inputTokens))
        case .mixture(let m): .mixture(try m.makeMixer(scope, inputTokens: inputTokens))
        }
    }

    /// Loads a projector strictly: every key the config implies must be in `weights`, and nothing else.
    public static func load(_ configuration: ProjectorConfiguration, weights: any ParameterSource, packWeights: Bool? = nil, precision: Precision = .float32) throws -> Projector {
        var source = weights
        if case .connector(let c) = configuration { source = c.connectorWeights(weights) }
        let loader = ParameterLoader(source: source, packWeights: packWeights, precision: precision)
        let projector = try make(configuration, scope: loader.root)
        try loader.finish()
        return projector
    }

    /// Runs the projector on named inputs (see ``inputNames``), all on `grid` when given. A connector also takes
    /// `attention_mask` `[B, N]` (1 = a real token) when present: the learned-query connectors mask padded tokens,
    /// the others refuse a mask.
    public func callAsFunction(_ inputs: [String: Tensor], grid: PatchGrid? = nil) throws -> Tensor {
        func input(_ name: String) throws -> ImageFeatures {
            guard let tensor = inputs[name] else {
                throw ParameterError.missing(path: name, expectedShape: [], nearest: NearestKeys.find(name, in: inputs.keys.sorted()))
            }
            return ImageFeatures(tokens: tensor, grid: grid)
        }
        switch self {
        case .connector(let connector):
            var features = try input("image_features")
            features.attentionMask = inputs["attention_mask"]
            return try connector(features)
        case .mixture(let mixer): return try mixer(clip: try input("clip_features"), dino: try input("dino_features"))
        }
    }

    /// The module behind it.
    public var module: any Module {
        switch self {
        case .connector(let c): c
        case .mixture(let m): m
        }
    }

    public var parameterCount: Int { module.parameterCount }
    public var namedParameters: [String: Tensor] { module.namedParameters }
}
