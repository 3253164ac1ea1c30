public import VLConnectors
public import VLCore

/// The `a-mof` configuration: `alpha` in [0, 1] (required) and `projector`, a connector config.
public struct AdditiveMixtureConfiguration: MixtureConfiguration {
    public static let projectorType = "a-mof"

    public var alpha: Double
    public var projector: any ConnectorConfiguration

    public init(alpha: Double, projector: any ConnectorConfiguration) {
        self.alpha = alpha
        self.projector = projector
    }

    private enum Keys: String, CodingKey { case projectorType = "projector_type", alpha, projector }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(alpha: try c.decode(Double.self, forKey: .alpha),
                  projector: try c.decode(AnyConnectorConfiguration.self, forKey: .projector).base)
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(AnyConnectorConfiguration(projector), forKey: .projector)
    }

    public func validate(file: String) throws(ConfigurationError) {
        guard (0...1).contains(alpha) else {
            throw ConfigurationError(field: "\(file): alpha", reason: "\(alpha) is outside [0, 1]")
        }
        try projector.validate(file: file + ": projector")
    }

    public func makeMixer(_ scope: ParameterScope, inputTokens: Int) throws -> any FeatureMixer {
        try AdditiveMixtureOfFeatures(scope, configuration: self, inputTokens: inputTokens)
    }
}

/// Additive-MoF: `alpha * clip + (1 - alpha) * dino` in feature space (same shape), then one projector
/// (`mm_projector.*`). `alpha` is rounded to fp32 as PyTorch does with a Python scalar; so is `1 - alpha`.
public struct AdditiveMixtureOfFeatures: FeatureMixer {
    public let configuration: any MixtureConfiguration
    public let alpha: Double
    public let projector: any Connector
    public let parameters: ParameterRecord

    public var outputWidth: Int { projector.outputWidth }

    public init(_ scope: ParameterScope, configuration: AdditiveMixtureConfiguration, inputTokens: Int = 576) throws {
        try configuration.validate(file: "config")
        self.configuration = configuration
        alpha = configuration.alpha
        projector = try configuration.projector.makeConnector(scope["mm_projector"], inputTokens: inputTokens)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens n: Int, grid: PatchGrid?) throws -> Int {
        try projector.outputTokens(forInputTokens: n, grid: grid)
    }

    public func callAsFunction(clip: ImageFeatures, dino: ImageFeatures) throws -> Tensor {
        guard clip.tokens.shape == dino.tokens.shape else {
            throw ShapeError(path: path, tensor: "dino_features",
                             expected: "\(clip.tokens.shape.shapeDescription) (the shape of clip_features)", actual: dino.tokens.shape)
        }
        let mixed = try clip.tokens * Float(alpha) + dino.tokens * Float(1 - alpha)
        let tokens = try projector(ImageFeatures(tokens: mixed, grid: clip.grid ?? dino.grid))
        Tracing.record(projector.path, tokens)
        return tokens
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { projector.flops(batch: batch, inputTokens: inputTokens) }
}
