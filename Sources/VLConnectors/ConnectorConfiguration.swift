public import Foundation
public import VLCore

/// A connector's typed configuration: a `Codable` struct whose JSON form is the config file the `connect`
/// command reads, with `projector_type` naming the connector and snake_case fields as real config files spell
/// them. Defaults live in the Swift initialisers; decoding fills absent fields with them and validates.
///
/// Conform a new type and ``ConnectorRegistry/register(_:)`` it to make its `projector_type` load like the
/// built-in ones (see Docs/PortingAConnector.md).
public protocol ConnectorConfiguration: Codable, Sendable {
    /// The `projector_type` this configuration describes, e.g. `avg-pool`.
    static var projectorType: String { get }
    /// Checks the sizes fit together and stay within ``SizeLimits``; `file` names the source in errors.
    func validate(file: String) throws(ConfigurationError)
    /// Builds the connector from `scope`; `inputTokens` sizes generated parameters that depend on the input
    /// (loaded ones bring their own size).
    func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector
    /// Prefixes that weights saved from a whole model carry in front of the connector's keys (IDEFICS2's
    /// `model.connector.`); a file whose every key starts with one loads with it removed. Default: none.
    static var checkpointPrefixes: [String] { get }
}

extension ConnectorConfiguration {
    public static var checkpointPrefixes: [String] { [] }

    /// `weights` seen without the first of ``checkpointPrefixes`` that every key carries (unchanged otherwise).
    public func connectorWeights(_ weights: any ParameterSource) -> any ParameterSource {
        let names = weights.tensorNames
        for prefix in Self.checkpointPrefixes where !names.isEmpty && names.allSatisfy({ $0.hasPrefix(prefix) }) {
            return PrefixedSource(weights, prefix: prefix)
        }
        return weights
    }

    /// The instance's `projector_type`.
    public var projectorType: String { Self.projectorType }

    public func validate() throws(ConfigurationError) { try validate(file: "config") }

    /// Builds the connector from `scope` for inputs of 576 tokens (24 x 24).
    public func makeConnector(_ scope: ParameterScope) throws -> any Connector {
        try makeConnector(scope, inputTokens: 576)
    }

    /// Loads the connector strictly from `weights`: a missing, misshapen or unused key is an error.
    public func loadConnector(weights: any ParameterSource, packWeights: Bool? = nil, precision: Precision = .float32) throws -> any Connector {
        try ParameterLoader(source: connectorWeights(weights), packWeights: packWeights, precision: precision).buildConnector(self)
    }

    /// The connector with random weights (deterministic per seed), for benchmarks and studies.
    public func randomConnector(inputTokens: Int = 576, seed: UInt64 = 0, packWeights: Bool? = nil, precision: Precision = .float32) throws -> any Connector {
        try makeConnector(ParameterLoader(randomSeed: seed, packWeights: packWeights, precision: precision).root, inputTokens: inputTokens)
    }
}

extension ParameterLoader {
    fileprivate func buildConnector(_ configuration: some ConnectorConfiguration) throws -> any Connector {
        let connector = try configuration.makeConnector(root)
        try finish()
        return connector
    }
}

/// The `projector_type`s that load, each with its configuration type: open, so that a package depending on
/// VLBlocks registers its own connector and loads it through the same config files and commands.
///
/// ```swift
/// ConnectorRegistry.shared.register(PixelShuffleConfiguration.self)
/// let config = try ConnectorRegistry.shared.decode(contentsOf: "config.json")   // any ConnectorConfiguration
/// ```
public final class ConnectorRegistry: Sendable {
    /// The registry the library reads configs through; it knows the built-in connectors from the start.
    public static let shared = ConnectorRegistry(builtIn: true)

    private let types: LockedValue<[String: any ConnectorConfiguration.Type]>

    /// A registry with the built-in connectors (`mlp2x_gelu`, `avg-pool`, `attn-pool`, `c-abs`, `qformer`,
    /// `perceiver-idefics2`, `perceiver-flamingo`), or an empty one.
    public init(builtIn: Bool = true) {
        var types: [String: any ConnectorConfiguration.Type] = [:]
        if builtIn {
            for type in Self.builtInTypes { types[type.projectorType] = type }
        }
        self.types = LockedValue(types)
    }

    static let builtInTypes: [any ConnectorConfiguration.Type] = [
        MLPProjectorConfiguration.self, AveragePoolingConfiguration.self, AttentionPoolingConfiguration.self,
        CAbstractorConfiguration.self, QFormerConfiguration.self, Idefics2PerceiverConfiguration.self,
        FlamingoPerceiverConfiguration.self,
    ]

    /// Makes `type`'s `projector_type` load as `type` (replacing an earlier registration of the same name).
    public func register(_ type: any ConnectorConfiguration.Type) {
        types.withLock { $0[type.projectorType] = type }
    }

    /// Every registered `projector_type`, built-in ones first in their usual order, then the others sorted.
    public var projectorTypes: [String] {
        let known = types.withLock { Array($0.keys) }
        let builtIn = Self.builtInTypes.map { $0.projectorType }.filter(known.contains)
        return builtIn + known.filter { !builtIn.contains($0) }.sorted()
    }

    /// The configuration type registered for `projectorType`.
    public func configurationType(for projectorType: String) -> (any ConnectorConfiguration.Type)? {
        types.withLock { $0[projectorType] }
    }

    /// Decodes a connector config (a JSON object with `projector_type`).
    /// - Throws: ``ConfigurationError`` for an unknown `projector_type` or a bad field.
    public func decode(_ data: Data, file: String = "config") throws(ConfigurationError) -> any ConnectorConfiguration {
        try ConfigurationDecoding.decode(AnyConnectorConfiguration.self, from: data, file: file,
                                         userInfo: [.connectorRegistry: self]).base
    }

    /// Decodes the connector config file at `path`.
    public func decode(contentsOf path: String) throws(ConfigurationError) -> any ConnectorConfiguration {
        try ConfigurationDecoding.decode(AnyConnectorConfiguration.self, contentsOf: path, userInfo: [.connectorRegistry: self]).base
    }
}

extension CodingUserInfoKey {
    /// The ``ConnectorRegistry`` a config is decoded with (``ConnectorRegistry/shared`` when absent).
    public static let connectorRegistry = CodingUserInfoKey(rawValue: "vlblocks.connectorRegistry")!
}

/// Any registered connector configuration, decoded by its `projector_type`: the form configs nest in others
/// (the two projectors of I-MoF).
public struct AnyConnectorConfiguration: Codable, Sendable {
    public let base: any ConnectorConfiguration

    public init(_ base: any ConnectorConfiguration) { self.base = base }

    private enum Keys: String, CodingKey { case projectorType = "projector_type" }

    public init(from decoder: any Decoder) throws {
        let registry = decoder.userInfo[.connectorRegistry] as? ConnectorRegistry ?? .shared
        let container = try decoder.container(keyedBy: Keys.self)
        guard let name = try container.decodeIfPresent(String.self, forKey: .projectorType) else {
            throw ConfigurationError(field: decoder.fieldName("projector_type"),
                                     reason: "missing; expected one of \(registry.projectorTypes.joined(separator: ", "))")
        }
        guard let type = registry.configurationType(for: name) else {
            throw ConfigurationError(field: decoder.fieldName("projector_type"),
                                     reason: "unknown projector_type '\(name)'; supported: \(registry.projectorTypes.joined(separator: ", "))")
        }
        base = try type.init(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws { try base.encode(to: encoder) }
}

/// Coding helpers for connector configurations.
extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    public func decode<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

/// Checks shared by the built-in configurations.
enum ConfigurationChecks {
    static func positive(_ values: [(String, Int)], file: String) throws(ConfigurationError) {
        for (name, value) in values {
            try SizeLimits.checkDimension(value, field: "\(file): \(name)")
        }
    }

    static func depth(_ value: Int, _ name: String, file: String, allowZero: Bool) throws(ConfigurationError) {
        try SizeLimits.checkDepth(value, field: "\(file): \(name)")
        if !allowZero, value <= 0 { throw ConfigurationError(field: "\(file): \(name)", reason: "must be positive, got \(value)") }
    }

    static func square(_ queries: Int, file: String) throws(ConfigurationError) {
        guard PatchGrid(squareOf: queries) != nil else {
            throw ConfigurationError(field: "\(file): num_queries", reason: "\(queries) is not a square number (the output is a sqrt(T) x sqrt(T) grid)")
        }
    }
}
