public import VLConnectors
public import VLCore

/// The `i-mof` configuration: `clip_projector` and `dino_projector`, each a connector config.
public struct InterleavedMixtureConfiguration: MixtureConfiguration {
    public static let projectorType = "i-mof"

    public var clipProjector: any ConnectorConfiguration
    public var dinoProjector: any ConnectorConfiguration

    public init(clipProjector: any ConnectorConfiguration, dinoProjector: any ConnectorConfiguration) {
        self.clipProjector = clipProjector
        self.dinoProjector = dinoProjector
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", clipProjector = "clip_projector", dinoProjector = "dino_projector"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(clipProjector: try c.decode(AnyConnectorConfiguration.self, forKey: .clipProjector).base,
                  dinoProjector: try c.decode(AnyConnectorConfiguration.self, forKey: .dinoProjector).base)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(AnyConnectorConfiguration(clipProjector), forKey: .clipProjector)
        try c.encode(AnyConnectorConfiguration(dinoProjector), forKey: .dinoProjector)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try clipProjector.validate(file: file + ": clip_projector")
        try dinoProjector.validate(file: file + ": dino_projector")
    }

    public func makeMixer(_ scope: ParameterScope, inputTokens: Int) throws -> any FeatureMixer {
        try InterleavedMixtureOfFeatures(scope, configuration: self, inputTokens: inputTokens)
    }
}

/// Interleaved-MoF: CLIP tokens through their projector (`mm_projector.*`), DINOv2 tokens through theirs
/// (`dino_mm_projector.*`), then interleaved token by token in spatial order: `c0, d0, c1, d1, ...`
/// (`2T` tokens). Both projectors must give the same token count and width.
public struct InterleavedMixtureOfFeatures: FeatureMixer {
    public let configuration: any MixtureConfiguration
    public let clipProjector: any Connector
    public let dinoProjector: any Connector
    public let parameters: ParameterRecord

    public var outputWidth: Int { clipProjector.outputWidth }

    public init(_ scope: ParameterScope, configuration: InterleavedMixtureConfiguration, inputTokens: Int = 576) throws {
        self.configuration = configuration
        clipProjector = try configuration.clipProjector.makeConnector(scope["mm_projector"], inputTokens: inputTokens)
        dinoProjector = try configuration.dinoProjector.makeConnector(scope["dino_mm_projector"], inputTokens: inputTokens)
        guard clipProjector.outputWidth == dinoProjector.outputWidth else {
            throw ConfigurationError(field: "dino_projector.output_hidden_size",
                                     reason: "\(dinoProjector.outputWidth) differs from the CLIP projector's \(clipProjector.outputWidth)")
        }
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens n: Int, grid: PatchGrid?) throws -> Int {
        2 * (try clipProjector.outputTokens(forInputTokens: n, grid: grid))
    }

    public func callAsFunction(clip: ImageFeatures, dino: ImageFeatures) throws -> Tensor {
        let (c, d) = (clip.tokens, dino.tokens)
        guard c.rank == 3, d.rank == 3, c.shape[0] == d.shape[0], c.shape[1] == d.shape[1] else {
            throw ShapeError(path: path, tensor: "dino_features", expected: "[\(c.shape.first ?? 0), \(c.shape.dropFirst().first ?? 0), D] (as many images and tokens as clip_features \(c.shape.shapeDescription))",
                             actual: d.shape)
        }
        let a = try clipProjector(clip)
        Tracing.record(clipProjector.path, a)
        let b = try dinoProjector(dino)
        Tracing.record(dinoProjector.path, b)
        guard a.shape == b.shape else {
            throw ShapeError(path: path, tensor: "dino tokens", expected: a.shape.shapeDescription, actual: b.shape)
        }
        // [B, T, D] twice -> [B, T, 2, D] -> [B, 2T, D]: c0, d0, c1, d1, ...
        let (batch, t, width) = (a.shape[0], a.shape[1], a.shape[2])
        return try Tensor(stacking: [a, b], axis: 2).reshaped([batch, 2 * t, width])
    }

    public func flops(batch: Int, inputTokens: Int) -> Int {
        clipProjector.flops(batch: batch, inputTokens: inputTokens) + dinoProjector.flops(batch: batch, inputTokens: inputTokens)
    }
}
