public import VLCore

/// The `c-abs` configuration: `encoder_hidden_size` (Dv), `hidden_size` (default Dv), `output_hidden_size` (Dl),
/// `depth` (RegNet blocks per stage, default 3), `mlp_depth` (default 2), `num_queries` (T, a square), `pos_emb`
/// (default true).
public struct CAbstractorConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "c-abs"

    public var encoderHiddenSize: Int
    public var hiddenSize: Int
    public var outputHiddenSize: Int
    public var depth: Int
    public var mlpDepth: Int
    public var numQueries: Int
    public var positionEmbedding: Bool

    public init(encoderHiddenSize: Int, hiddenSize: Int? = nil, outputHiddenSize: Int, depth: Int = 3, mlpDepth: Int = 2,
                numQueries: Int, positionEmbedding: Bool = true) {
        self.encoderHiddenSize = encoderHiddenSize
        self.hiddenSize = hiddenSize ?? encoderHiddenSize
        self.outputHiddenSize = outputHiddenSize
        self.depth = depth
        self.mlpDepth = mlpDepth
        self.numQueries = numQueries
        self.positionEmbedding = positionEmbedding
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", hiddenSize = "hidden_size"
        case outputHiddenSize = "output_hidden_size", depth, mlpDepth = "mlp_depth", numQueries = "num_queries"
        case positionEmbedding = "pos_emb"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  hiddenSize: try c.decodeIfPresent(Int.self, forKey: .hiddenSize),
                  outputHiddenSize: try c.decode(Int.self, forKey: .outputHiddenSize), depth: try c.decode(.depth, default: 3),
                  mlpDepth: try c.decode(.mlpDepth, default: 2), numQueries: try c.decode(Int.self, forKey: .numQueries),
                  positionEmbedding: try c.decode(.positionEmbedding, default: true))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
        try c.encode(depth, forKey: .depth)
        try c.encode(mlpDepth, forKey: .mlpDepth)
        try c.encode(numQueries, forKey: .numQueries)
        try c.encode(positionEmbedding, forKey: .positionEmbedding)
    }

    public func validate(file: String) throws(ConfigurationError) {
        try ConfigurationChecks.positive([("encoder_hidden_size", encoderHiddenSize), ("hidden_size", hiddenSize),
                                          ("output_hidden_size", outputHiddenSize), ("num_queries", numQueries)], file: file)
        try ConfigurationChecks.depth(depth, "depth", file: file, allowZero: false)
        try ConfigurationChecks.depth(mlpDepth, "mlp_depth", file: file, allowZero: false)
        try ConfigurationChecks.square(numQueries, file: file)
        let widest = max(encoderHiddenSize, hiddenSize, outputHiddenSize)
        try SizeLimits.checkElements([widest, widest], field: "\(file): sizes")
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try CAbstractor(scope, configuration: self, inputTokens: inputTokens)
    }
}

/// Honeybee's C-Abstractor: learned `pos_emb` added to the tokens, a RegNet stage `net.0` (`Dv → hidden`),
/// adaptive average pooling `net.1` to `sqrt(T) x sqrt(T)`, a second stage `net.2` (`hidden → hidden`),
/// then the ``Readout``. Computed channels-last throughout: every 1x1 convolution is one GEMM over all
/// pixels of the batch and `LayerNorm2d` a row layer norm, so no tensor is ever transposed.
///
/// Keys: `pos_emb [1, N, Dv]` (an `N + 1`-row table from older checkpoints drops its first row),
/// `net.0.b1.conv1.conv.weight`, `net.0.b1.conv1.bn.weight`, ..., `net.2.bK.*`, `readout.0.weight`, ...
public struct CAbstractor: Connector {
    public let configuration: any ConnectorConfiguration
    /// `[N, Dv]`, or nil without a position embedding.
    public let positionEmbedding: Tensor?
    public let stage1: RegNetStage
    public let stage2: RegNetStage
    public let readout: Readout
    public let queries: Int
    public let parameters: ParameterRecord

    public var inputWidth: Int { stage1.blocks.first?.inChannels ?? 0 }
    public var outputWidth: Int { readout.outputWidth }
    /// The token count the position embedding fixes, when there is one.
    public var inputTokens: Int? { positionEmbedding?.shape[0] }

    /// Builds the connector; `inputTokens` sizes a generated `pos_emb` (a loaded one brings its own size).
    public init(_ scope: ParameterScope, configuration c: CAbstractorConfiguration, inputTokens: Int) throws {
        try c.validate()
        configuration = c
        let dv = c.encoderHiddenSize
        if c.positionEmbedding {
            let table = try scope.loadAnyShape("pos_emb", fallbackShape: [1, inputTokens, dv], initializer: .random(std: 0.02))
            let rows = table.rank == 3 && table.shape[0] == 1 && table.shape[2] == dv ? table.shape[1] : -1
            if rows > 0, PatchGrid(squareOf: rows) != nil {
                positionEmbedding = try table.reshaped([rows, dv])
            } else if rows > 1, PatchGrid(squareOf: rows - 1) != nil {
                // An older checkpoint's table with a leading class-token row, which the model never adds.
                positionEmbedding = try table.reshaped([rows, dv]).narrowed(axis: 0, start: 1, length: rows - 1)
            } else {
                throw ParameterError.shapeMismatch(path: scope.path("pos_emb"), expected: [1, inputTokens, dv], actual: table.shape)
            }
        } else {
            positionEmbedding = nil
        }
        stage1 = try RegNetStage(scope["net.0"], depth: c.depth, inChannels: dv, outChannels: c.hiddenSize)
        stage2 = try RegNetStage(scope["net.2"], depth: c.depth, inChannels: c.hiddenSize, outChannels: c.hiddenSize)
        readout = try Readout(scope["readout"], depth: c.mlpDepth, inputWidth: c.hiddenSize, outputWidth: c.outputHiddenSize)
        queries = c.numQueries
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens n: Int, grid: PatchGrid?) throws -> Int {
        _ = try squareGrid(patches: n, grid: grid, shape: [n])
        return queries
    }

    /// Honeybee's C-Abstractor takes a square grid (its pooling and position table are square); the position
    /// table, when there is one, fixes the token count.
    private func squareGrid(patches n: Int, grid: PatchGrid?, shape: [Int]) throws(ShapeError) -> Int {
        let resolved = try PatchGrid.resolving(grid, patches: n, path: path, tensor: "image_features", shape: shape)
        guard resolved.isSquare else {
            throw ShapeError(path: path, tensor: "image_features", expected: "a square grid (C-Abstractor pools h x h maps), got \(resolved)",
                             actual: shape)
        }
        if let inputTokens, inputTokens != n {
            throw ShapeError(path: path, tensor: "image_features", expected: "[B, \(inputTokens), \(inputWidth)] (pos_emb fixes N)",
                             actual: shape)
        }
        return resolved.height
    }

    /// `[B, h*h, Dv]` → `[B, T, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        let (batch, n) = try validate(features)
        let side = try squareGrid(patches: n, grid: features.grid, shape: features.tokens.shape)
        let hidden = stage2.blocks.last?.outChannels ?? stage1.blocks.last!.outChannels
        let outSide = Int(Double(queries).squareRoot().rounded())
        var x = features.tokens
        if let positionEmbedding { x = try x + positionEmbedding }
        let first = UnsafeMutablePointer<Float>.allocate(capacity: batch * n * hidden)
        let pooled = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * hidden)
        let second = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * hidden)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * max(outputWidth, 1))
        defer { first.deallocate(); pooled.deallocate(); second.deallocate(); scratch.deallocate() }
        x.withUnsafeBufferPointer { stage1.apply($0.baseAddress!, batch: batch, height: side, width: side, output: first) }
        Pooling.adaptiveAverageTokens(first, batch: batch, height: side, width: side, channels: hidden, outHeight: outSide,
                                      outWidth: outSide, output: pooled)
        if Tracing.isRecording {
            Tracing.recordChannelsLast(traceName("net.1"), pooled, batch: batch, height: outSide, width: outSide, channels: hidden)
        }
        stage2.apply(pooled, batch: batch, height: outSide, width: outSide, output: second)
        if Tracing.isRecording {
            Tracing.recordChannelsLast(traceName("net"), second, batch: batch, height: outSide, width: outSide, channels: hidden)
            return try readout.tracedForward(Tensor(shape: [batch, queries, hidden]) { $0.baseAddress!.update(from: second, count: $0.count) })
        }
        return Tensor(shape: [batch, queries, outputWidth]) { out in
            readout.apply(second, rows: batch * queries, scratch: scratch, output: out.baseAddress!)
        }
    }

    private func traceName(_ name: String) -> String { path.isEmpty ? name : path + "." + name }

    public func flops(batch: Int, inputTokens n: Int) -> Int {
        stage1.flops(batch: batch, pixels: n) + stage2.flops(batch: batch, pixels: queries) + readout.flops(rows: batch * queries)
    }
}
