public import VLCore

/// MM1's average-pooling connector: adaptive average pooling of the `h x h` token grid to
/// `sqrt(T) x sqrt(T)` (PyTorch's window rule, overlapping windows when `h` is not a multiple), then the
/// ``Readout`` (`mlp_depth` layers, default one Linear). Checkpoint keys `readout.*`.
public struct AveragePoolingConnector: Connector {
    public let configuration: ConnectorConfiguration
    public let readout: Readout
    public let queries: Int
    public let path: String

    public var inputWidth: Int { readout.inputWidth }
    public var outputWidth: Int { readout.outputWidth }

    public init(_ scope: ParameterScope, encoderWidth: Int, outputWidth: Int, queries: Int, mlpDepth: Int = 1) throws {
        configuration = .averagePooling(encoderWidth: encoderWidth, outputWidth: outputWidth, queries: queries, mlpDepth: mlpDepth)
        try configuration.validate()
        readout = try Readout(scope["readout"], depth: mlpDepth, inputWidth: encoderWidth, outputWidth: outputWidth)
        self.queries = queries
        path = scope.prefix
    }

    public func outputTokens(forInputTokens inputTokens: Int) throws -> Int {
        _ = try squareSide(inputTokens, path: path, tensor: "image_features")
        return queries
    }

    /// `[B, h*h, Dv]` → `[B, T, Dl]`.
    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        let (batch, n) = try validate(features, path: path)
        let side = try squareSide(n, path: path, tensor: "image_features")
        let outSide = Int(Double(queries).squareRoot().rounded())
        let pooled = Tensor(shape: [batch, queries, inputWidth]) { out in
            features.withUnsafeBufferPointer { x in
                Pooling.adaptiveAverageTokens(x.baseAddress!, batch: batch, height: side, width: side, channels: inputWidth,
                                              outHeight: outSide, outWidth: outSide, output: out.baseAddress!)
            }
        }
        return try readout(pooled)
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try readout.visitParameters(prefix: "readout", visit)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { readout.flops(rows: batch * queries) }
}
