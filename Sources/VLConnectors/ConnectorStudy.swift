public import VLCore
public import VLTransformer

/// MM1's connector study as library code: which connectors, at which sizes, and the sweep of encoder resolution
/// x connector x token count that `vlblocks compare` prints.
public enum ConnectorStudy {
    /// The connectors MM1 compared (average pooling, attention pooling, C-Abstractor) and LLaVA's `mlp2x_gelu`
    /// as the baseline that keeps every token.
    public static let connectors = ["avg-pool", "attn-pool", "c-abs", "mlp2x_gelu"]

    /// The configuration of connector `name` for `encoderWidth`-wide inputs projected to `outputWidth`, producing
    /// `tokens` tokens (ignored by `mlp2x_gelu`, which keeps every token): c-abs with depth 3, hidden = Dv,
    /// mlp_depth 2; attn-pool with 16 heads (fewer when 16 does not divide Dv), intermediate 4 x Dv; avg-pool with
    /// one Linear.
    /// - Throws: ``ConfigurationError`` for an unknown name or sizes the connector cannot take.
    public static func configuration(_ name: String, encoderWidth dv: Int, outputWidth dl: Int, tokens: Int) throws(ConfigurationError) -> any ConnectorConfiguration {
        let configuration: any ConnectorConfiguration
        switch name {
        case "avg-pool":
            configuration = AveragePoolingConfiguration(encoderHiddenSize: dv, outputHiddenSize: dl, numQueries: tokens, mlpDepth: 1)
        case "attn-pool":
            let heads = [16, 12, 8, 4, 2, 1].first { dv % $0 == 0 }!
            configuration = AttentionPoolingConfiguration(encoderHiddenSize: dv, outputHiddenSize: dl, numQueries: tokens, numHeads: heads,
                                                          intermediateSize: 4 * dv, mlpDepth: 1)
        case "c-abs":
            configuration = CAbstractorConfiguration(encoderHiddenSize: dv, hiddenSize: dv, outputHiddenSize: dl, depth: 3, mlpDepth: 2,
                                                     numQueries: tokens)
        case "mlp2x_gelu":
            configuration = MLPProjectorConfiguration(encoderHiddenSize: dv, outputHiddenSize: dl)
        default:
            throw ConfigurationError(field: "connector", reason: "unknown connector '\(name)'; known: \(connectors.joined(separator: ", "))")
        }
        try configuration.validate(file: name)
        return configuration
    }

    /// The token counts connector `name` is run at, given the requested ones and the input's token count: every
    /// input token for `mlp2x_gelu`, the requested counts otherwise.
    public static func tokenCounts(for name: String, requested: [Int], inputTokens: Int) -> [Int] {
        name == "mlp2x_gelu" ? [inputTokens] : requested
    }
}

/// One sweep of the connector study: the encoder runs once per resolution, and every connector at every token
/// count takes the features it produced (LLaVA's choice by default: the penultimate layer's patch tokens).
public struct ConnectorSweep: Sendable {
    /// One measured case.
    public struct Row: Sendable, Hashable {
        public var connector: String
        public var tokens: Int
        public var resolution: Int
        public var parameters: Int
        public var gflops: Double
        /// Median connector latency.
        public var milliseconds: Double
        /// Median encoder latency at this resolution.
        public var encoderMilliseconds: Double
        public var totalMilliseconds: Double { encoderMilliseconds + milliseconds }
    }

    public var tower: VisionTransformer
    public var resolutions: [Int]
    public var tokenCounts: [Int]
    public var connectors: [String]
    public var languageWidth: Int
    public var batch: Int
    public var runs: Int
    public var selection: FeatureSelection

    public init(tower: VisionTransformer, resolutions: [Int], tokenCounts: [Int], connectors: [String] = ConnectorStudy.connectors,
                languageWidth: Int, batch: Int = 1, runs: Int = 3, selection: FeatureSelection = .llava) {
        self.tower = tower
        self.resolutions = resolutions
        self.tokenCounts = tokenCounts
        self.connectors = connectors
        self.languageWidth = languageWidth
        self.batch = batch
        self.runs = runs
        self.selection = selection
    }

    /// Cases in the order they run (for progress lines): one encoder run per resolution, then the connectors.
    public var caseCount: Int {
        let patch = tower.configuration.patchSize
        return resolutions.reduce(0) { total, side in
            let n = (side / patch) * (side / patch)
            return total + 1 + connectors.reduce(0) { $0 + ConnectorStudy.tokenCounts(for: $1, requested: tokenCounts, inputTokens: n).count }
        }
    }

    /// Runs the sweep; `progress` gets `(done, total, description)` before each case.
    public func run(progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> [Row] {
        var rows: [Row] = []
        var done = 0
        let total = caseCount
        let configuration = tower.configuration
        for resolution in resolutions {
            progress(done, total, "encoder @ \(resolution) px")
            let pixels = Tensor.uniform(shape: [batch, configuration.channels, resolution, resolution], seed: UInt64(resolution))
            var features: ImageFeatures?
            let encoderTiming = try Timing.measure(runs: runs) { features = try tower.features(pixels, selection: selection) }
            done += 1
            let input = features!
            let n = input.tokens.shape[1]
            for name in connectors {
                for t in ConnectorStudy.tokenCounts(for: name, requested: tokenCounts, inputTokens: n) {
                    progress(done, total, "\(name) T=\(t) @ \(resolution) px")
                    let connector = try ConnectorStudy.configuration(name, encoderWidth: configuration.hiddenSize, outputWidth: languageWidth, tokens: t)
                        .randomConnector(inputTokens: n)
                    let timing = try Timing.measure(runs: runs) { _ = try connector(input) }
                    rows.append(Row(connector: name, tokens: t, resolution: resolution, parameters: connector.parameterCount,
                                    gflops: Double(connector.flops(batch: batch, inputTokens: n)) / 1e9, milliseconds: timing.median,
                                    encoderMilliseconds: encoderTiming.median))
                    done += 1
                }
            }
        }
        progress(done, total, "done")
        return rows
    }
}
