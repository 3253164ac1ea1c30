public import VLCore

/// Builds connectors from their configuration: strictly from weights, or with random weights.
public enum ConnectorFactory {
    /// Builds the connector `configuration` describes from `scope`.
    /// - Parameter inputTokens: the token count for generated weights that depend on it (C-Abstractor's
    ///   `pos_emb`); loaded weights bring their own.
    public static func make(_ configuration: ConnectorConfiguration, scope: ParameterScope, inputTokens: Int = 576) throws -> any Connector {
        switch configuration {
        case .mlp2xGELU(let dv, let dl):
            return try MLPProjector(scope, encoderWidth: dv, outputWidth: dl)
        case .averagePooling(let dv, let dl, let t, let depth):
            return try AveragePoolingConnector(scope, encoderWidth: dv, outputWidth: dl, queries: t, mlpDepth: depth)
        case .attentionPooling(let dv, let dl, let t, let heads, let inner, let eps, let depth):
            return try AttentionPoolingConnector(scope, encoderWidth: dv, outputWidth: dl, queries: t, heads: heads,
                                                 intermediateSize: inner, epsilon: eps, mlpDepth: depth)
        case .cAbstractor(let dv, let hidden, let dl, let depth, let mlpDepth, let t, let pos):
            return try CAbstractor(scope, encoderWidth: dv, hiddenWidth: hidden, outputWidth: dl, depth: depth, mlpDepth: mlpDepth,
                                   queries: t, positionEmbedding: pos, inputTokens: inputTokens)
        }
    }

    /// Loads a connector strictly from `weights` (a missing, misshapen or unused key is an error).
    public static func load(_ configuration: ConnectorConfiguration, weights: any ParameterSource, packWeights: Bool? = nil) throws -> any Connector {
        let loader = ParameterLoader(source: weights, packWeights: packWeights)
        let connector = try make(configuration, scope: loader.root)
        try loader.finish()
        return connector
    }

    /// A connector with random weights (deterministic per seed), for benchmarks.
    public static func random(
        _ configuration: ConnectorConfiguration, inputTokens: Int, seed: UInt64 = 0, packWeights: Bool? = nil
    ) throws -> any Connector {
        try make(configuration, scope: ParameterLoader(randomSeed: seed, packWeights: packWeights).root, inputTokens: inputTokens)
    }
}
