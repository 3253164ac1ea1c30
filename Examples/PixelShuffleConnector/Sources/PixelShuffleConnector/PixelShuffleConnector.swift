public import VLBlocks

/// The `pixel-shuffle` connector of Idefics3 / SmolVLM (`Idefics3Connector` in transformers 5.23), defined outside
/// VLBlocks with its public API only: space-to-depth on the patch grid (each `s x s` block of tokens becomes one
/// token `s^2` times as wide), then one linear projection without bias.
///
/// Config: `projector_type: "pixel-shuffle"`, `encoder_hidden_size` (Dv), `output_hidden_size` (Dl),
/// `scale_factor` (s, default 2). Key: `modality_projection.proj.weight [Dl, Dv * s^2]`.
/// `[B, h*w, Dv]` on an `h x w` grid (s divides both) → `[B, (h/s)(w/s), Dl]`.
public struct PixelShuffleConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "pixel-shuffle"

    public var encoderHiddenSize: Int
    public var outputHiddenSize: Int
    public var scaleFactor: Int

    public init(encoderHiddenSize: Int, outputHiddenSize: Int, scaleFactor: Int = 2) {
        self.encoderHiddenSize = encoderHiddenSize
        self.outputHiddenSize = outputHiddenSize
        self.scaleFactor = scaleFactor
    }

    private enum CodingKeys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", outputHiddenSize = "output_hidden_size"
        case scaleFactor = "scale_factor"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  outputHiddenSize: try c.decode(Int.self, forKey: .outputHiddenSize),
                  scaleFactor: try c.decode(.scaleFactor, default: 2))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
        try c.encode(scaleFactor, forKey: .scaleFactor)
    }

    public func validate(file: String) throws(ConfigurationError) {
        for (name, value) in [("encoder_hidden_size", encoderHiddenSize), ("output_hidden_size", outputHiddenSize), ("scale_factor", scaleFactor)] {
            try SizeLimits.checkDimension(value, field: "\(file): \(name)")
        }
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try PixelShuffleConnector(scope, configuration: self)
    }
}

public struct PixelShuffleConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let projection: Linear
    public let scaleFactor: Int
    public let parameters: ParameterRecord

    public var inputWidth: Int { projection.inFeatures / (scaleFactor * scaleFactor) }
    public var outputWidth: Int { projection.outFeatures }

    public init(_ scope: ParameterScope, configuration: PixelShuffleConfiguration) throws {
        let s = configuration.scaleFactor
        self.configuration = configuration
        scaleFactor = s
        projection = try Linear(scope["modality_projection.proj"], inFeatures: configuration.encoderHiddenSize * s * s,
                                outFeatures: configuration.outputHiddenSize, bias: false)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int {
        let g = try PatchGrid.resolving(grid, patches: inputTokens, path: path, tensor: "image_features", shape: [inputTokens])
        return (g.height / scaleFactor) * (g.width / scaleFactor)
    }

    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        let x = features.tokens
        guard x.rank == 3, x.shape[2] == inputWidth else {
            throw ShapeError(path: path, tensor: "image_features", expected: "[B, N, \(inputWidth)]", actual: x.shape)
        }
        let grid = try features.patchGrid(path: path)
        let (b, h, w, d, s) = (x.shape[0], grid.height, grid.width, inputWidth, scaleFactor)
        guard h % s == 0, w % s == 0 else {
            throw ShapeError(path: path, tensor: "image_features", expected: "a grid whose sides \(s) divides, got \(grid)", actual: x.shape)
        }
        // As Idefics3Connector.pixel_shuffle, step by step.
        var y = try x.reshaped([b, h, w / s, d * s])
        y = try y.permuted([0, 2, 1, 3]).reshaped([b, w / s, h / s, d * s * s])
        y = try y.permuted([0, 2, 1, 3]).reshaped([b, (h / s) * (w / s), d * s * s])
        return try projection(y)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int {
        projection.flops(rows: batch * inputTokens / (scaleFactor * scaleFactor))
    }
}
