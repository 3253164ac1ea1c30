public import VLCore
public import VLTransformer

/// The `mlp2x_gelu` configuration: `encoder_hidden_size` (Dv) and `output_hidden_size` (Dl), both required.
public struct MLPProjectorConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "mlp2x_gelu"

    public var encoderHiddenSize: Int
    public var outputHiddenSize: Int

    public init(encoderHiddenSize: Int, outputHiddenSize: Int) {
        self.encoderHiddenSize = encoderHiddenSize
        self.outputHiddenSize = outputHiddenSize
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", outputHiddenSize = "output_hidden_size"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  outputHiddenSize: try c.decode(Int.self, forKey: .outputHiddenSize))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("encoder_hidden_size", encoderHiddenSize), ("output_hidden_size", outputHiddenSize)], file: file)
        try SizeLimits.checkElements([outputHiddenSize, max(outputHiddenSize, encoderHiddenSize)], field: "\(file): sizes")
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try MLPProjector(scope, configuration: self)
    }
}

/// LLaVA-1.5's `mlp2x_gelu` projector (`mm_projector`): `Linear(Dv, Dl)`, exact GELU, `Linear(Dl, Dl)` on
/// every token (T = N). Checkpoint keys `0.weight`, `0.bias`, `2.weight`, `2.bias`.
public struct MLPProjector: Connector {
    public let configuration: any ConnectorConfiguration
    public let mlp: MLP
    public let parameters: ParameterRecord

    public var inputWidth: Int { mlp.inFeatures }
    public var outputWidth: Int { mlp.outFeatures }

    public init(_ scope: ParameterScope, configuration: MLPProjectorConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        mlp = try MLP(scope, inFeatures: configuration.encoderHiddenSize, hiddenFeatures: configuration.outputHiddenSize,
                      outFeatures: configuration.outputHiddenSize, kind: .standard(.gelu), layout: .twoLayers(first: "0", second: "2"))
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int { inputTokens }

    /// `[B, N, Dv]` → `[B, N, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        _ = try validate(features)
        return Tracing.isRecording ? try mlp.tracedForward(features.tokens, base: path) : try mlp(features.tokens)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { mlp.flops(rows: batch * inputTokens) }
}
