public import VLCore
public import VLTransformer

/// LLaVA-1.5's `mlp2x_gelu` projector (`mm_projector`): `Linear(Dv, Dl)`, exact GELU, `Linear(Dl, Dl)` on
/// every token (T = N). Checkpoint keys `0.weight`, `0.bias`, `2.weight`, `2.bias`.
public struct MLPProjector: Connector {
    public let configuration: ConnectorConfiguration
    public let mlp: MLP
    public let path: String

    public var inputWidth: Int { mlp.inFeatures }
    public var outputWidth: Int { mlp.outFeatures }

    public init(_ scope: ParameterScope, encoderWidth: Int, outputWidth: Int) throws {
        configuration = .mlp2xGELU(encoderWidth: encoderWidth, outputWidth: outputWidth)
        mlp = try MLP(scope, inFeatures: encoderWidth, hiddenFeatures: outputWidth, outFeatures: outputWidth,
                      kind: .standard(.gelu), layout: .twoLayers(first: "0", second: "2"))
        path = scope.prefix
    }

    public func outputTokens(forInputTokens inputTokens: Int) throws -> Int { inputTokens }

    /// `[B, N, Dv]` → `[B, N, Dl]`.
    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        _ = try validate(features, path: path)
        return try mlp(features)
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try mlp.visitParameters(visit)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { mlp.flops(rows: batch * inputTokens) }
}
