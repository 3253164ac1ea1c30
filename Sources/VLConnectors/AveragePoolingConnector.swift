public import VLCore

/// The `avg-pool` configuration: `encoder_hidden_size`, `output_hidden_size`, `num_queries` (T, a square),
/// `mlp_depth` (default 1; 0 = no readout, the output keeps the encoder width).
public struct AveragePoolingConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "avg-pool"

    public var encoderHiddenSize: Int
    public var outputHiddenSize: Int
    public var numQueries: Int
    public var mlpDepth: Int

    public init(encoderHiddenSize: Int, outputHiddenSize: Int, numQueries: Int, mlpDepth: Int = 1) {
        self.encoderHiddenSize = encoderHiddenSize
        self.outputHiddenSize = outputHiddenSize
        self.numQueries = numQueries
        self.mlpDepth = mlpDepth
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", outputHiddenSize = "output_hidden_size"
        case numQueries = "num_queries", mlpDepth = "mlp_depth"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  outputHiddenSize: try c.decode(Int.self, forKey: .outputHiddenSize),
                  numQueries: try c.decode(Int.self, forKey: .numQueries), mlpDepth: try c.decode(.mlpDepth, default: 1))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
        try c.encode(numQueries, forKey: .numQueries)
        try c.encode(mlpDepth, forKey: .mlpDepth)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("encoder_hidden_size", encoderHiddenSize), ("output_hidden_size", outputHiddenSize),
                                          ("num_queries", numQueries)], file: file)
        try ConfigurationChecks.square(numQueries, file: file)
        try ConfigurationChecks.depth(mlpDepth, "mlp_depth", file: file, allowZero: true)
        try SizeLimits.checkElements([outputHiddenSize, max(outputHiddenSize, encoderHiddenSize)], field: "\(file): readout")
        if mlpDepth == 0, outputHiddenSize != encoderHiddenSize {
            throw ConfigurationError(field: "\(file): output_hidden_size", reason: "mlp_depth 0 keeps the encoder width \(encoderHiddenSize)")
        }
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try AveragePoolingConnector(scope, configuration: self)
    }
}

/// MM1's average-pooling connector: adaptive average pooling of the `h x w` patch grid to `sqrt(T) x sqrt(T)`
/// (`nn.AdaptiveAvgPool2d((t, t))` on the `[B, Dv, h, w]` map: PyTorch's window rule, overlapping windows when a
/// side is not a multiple), then the ``Readout`` (`mlp_depth` layers, default one Linear). Keys `readout.*`.
public struct AveragePoolingConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let readout: Readout
    /// The output grid side, `sqrt(T)`.
    public let side: Int
    public let parameters: ParameterRecord

    public var inputWidth: Int { readout.inputWidth }
    public var outputWidth: Int { readout.outputWidth }
    public var queries: Int { side * side }

    public init(_ scope: ParameterScope, configuration: AveragePoolingConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        readout = try Readout(scope["readout"], depth: configuration.mlpDepth, inputWidth: configuration.encoderHiddenSize,
                              outputWidth: configuration.outputHiddenSize)
        side = PatchGrid(squareOf: configuration.numQueries)!.height
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int {
        _ = try PatchGrid.resolving(grid, patches: inputTokens, path: path, tensor: "image_features", shape: [inputTokens])
        return queries
    }

    /// `[B, h*w, Dv]` on an `h x w` grid → `[B, T, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        _ = try validate(features)
        let grid = try features.patchGrid(path: path)
        let pooled = try features.tokens.adaptiveAveragePooledTokens(grid: grid, height: side, width: side)
        return Tracing.isRecording ? try readout.tracedForward(pooled) : try readout(pooled)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { readout.flops(rows: batch * queries) }
}
