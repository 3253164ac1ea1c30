public import VLCore
public import VLTransformer

/// MM1's attention-pooling connector in the form of SigLIP's pooling head with `T` learned probes:
/// `h = MHA(probe, x, x)`, `h + mlp(layernorm(h))` (tanh GELU), then the ``Readout``.
///
/// Keys: `probe [1, T, Dv]`, `attention.in_proj_weight [3Dv, Dv]`, `attention.in_proj_bias`,
/// `attention.out_proj.*`, `layernorm.*`, `mlp.fc1.*`, `mlp.fc2.*`, `readout.*`. With `T = 1` and
/// `mlp_depth` 0 it is exactly SigLIP's head.
public struct AttentionPoolingConnector: Connector {
    public let configuration: ConnectorConfiguration
    public let head: AttentionPoolingHead
    public let readout: Readout
    public let path: String

    public var inputWidth: Int { head.width }
    public var outputWidth: Int { readout.outputWidth }

    public init(
        _ scope: ParameterScope, encoderWidth: Int, outputWidth: Int, queries: Int, heads: Int, intermediateSize: Int,
        epsilon: Float = 1e-6, mlpDepth: Int = 1
    ) throws {
        configuration = .attentionPooling(encoderWidth: encoderWidth, outputWidth: outputWidth, queries: queries, heads: heads,
                                          intermediateSize: intermediateSize, epsilon: epsilon, mlpDepth: mlpDepth)
        try configuration.validate()
        head = try AttentionPoolingHead(scope, width: encoderWidth, heads: heads, intermediateSize: intermediateSize,
                                        probes: queries, epsilon: epsilon, activation: .geluTanh)
        readout = try Readout(scope["readout"], depth: mlpDepth, inputWidth: encoderWidth, outputWidth: outputWidth)
        path = scope.prefix
    }

    public func outputTokens(forInputTokens inputTokens: Int) throws -> Int { head.probes }

    /// `[B, N, Dv]` → `[B, T, Dl]` (any N: attention pooling needs no grid).
    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        _ = try validate(features, path: path)
        return try readout(try head(features))
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try head.visitParameters(visit)
        try readout.visitParameters(prefix: "readout", visit)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int {
        head.flops(batch: batch, tokens: inputTokens) + readout.flops(rows: batch * head.probes)
    }
}
