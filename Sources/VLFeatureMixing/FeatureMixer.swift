import VLConnectors
public import VLCore

/// Mixes CLIP and DINOv2 features into language-space tokens, as the mixture-of-features layers of
/// "Eyes Wide Shut" (Tong et al., 2024).
public protocol FeatureMixer: Module {
    var configuration: any MixtureConfiguration { get }
    var outputWidth: Int { get }
    /// `clip [B, N, Dc]`, `dino [B, N, Dd]` (with their grid) → `[B, T, Dl]`.
    func callAsFunction(clip: ImageFeatures, dino: ImageFeatures) throws -> Tensor
    func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int
    func flops(batch: Int, inputTokens: Int) -> Int
}

extension FeatureMixer {
    /// Mixes two `[B, N, D]` token tensors without a grid (a square one is assumed where one is needed).
    public func callAsFunction(clip: Tensor, dino: Tensor) throws -> Tensor {
        try self(clip: ImageFeatures(tokens: clip), dino: ImageFeatures(tokens: dino))
    }
}

/// A mixture's typed configuration (`projector_type` `i-mof` or `a-mof`, or a registered one), as
/// ``ConnectorConfiguration`` is for connectors.
public protocol MixtureConfiguration: Codable, Sendable {
    static var projectorType: String { get }
    func validate(file: String) throws(ConfigurationError)
    func makeMixer(_ scope: ParameterScope, inputTokens: Int) throws -> any FeatureMixer
}

/// The mixture `projector_type`s that load: open, like ``ConnectorRegistry``.
public final class MixtureRegistry: Sendable {
    public static let shared = MixtureRegistry()

    private let types: LockedValue<[String: any MixtureConfiguration.Type]>
    static let builtInTypes: [any MixtureConfiguration.Type] = [InterleavedMixtureConfiguration.self, AdditiveMixtureConfiguration.self]

    public init(builtIn: Bool = true) {
        var types: [String: any MixtureConfiguration.Type] = [:]
        if builtIn { for type in Self.builtInTypes { types[type.projectorType] = type } }
        self.types = LockedValue(types)
    }

    public func register(_ type: any MixtureConfiguration.Type) {
        types.withLock { $0[type.projectorType] = type }
    }

    public var projectorTypes: [String] {
        let known = types.withLock { Array($0.keys) }
        let builtIn = Self.builtInTypes.map { $0.projectorType }.filter(known.contains)
        return builtIn + known.filter { !builtIn.contains($0) }.sorted()
    }

    public func configurationType(for projectorType: String) -> (any MixtureConfiguration.Type)? {
        types.withLock { $0[projectorType] }
    }
}
