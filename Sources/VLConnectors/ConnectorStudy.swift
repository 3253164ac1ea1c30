public import VLCore
public import VLTransformer

/// MM1's connector study as library code: which connectors, at which sizes, and the sweep of encoder resolution
/// x connector x token count that `vlblocks compare` prints.
public enum ConnectorStudy {
    /// The connectors MM1 compared (average pooling, attention pooling, C-Abstractor), LLaVA's `mlp2x_gelu` as the
    /// baseline that keeps every token, and the learned-query bridges BLIP-2's Q-Former and IDEFICS2's perceiver:
    /// what `compare` and `bench connectors` run by default.
    public static let connectors = ["avg-pool", "attn-pool", "c-abs", "mlp2x_gelu", "qformer", "perceiver-idefics2"]

    /// Every connector the study knows: the defaults and the Flamingo / IDEFICS perceiver (whose output keeps the
    /// vision width).
    public static let known = connectors + ["perceiver-flamingo"]

    /// The configuration of connector `name` for `encoderWidth`-wide inputs projected to `outputWidth`, producing
    /// `tokens` tokens (ignored by `mlp2x_gelu`, which keeps every token): c-abs with depth 3, hidden = Dv,
    /// mlp_depth 2; attn-pool with 16 heads (fewer when 16 does not divide Dv), intermediate 4 x Dv; avg-pool with
    /// one Linear; the Q-Former with `Blip2QFormerConfig`'s defaults (12 layers, 768 wide, 32 queries) cross-attending
    /// to Dv and projected to Dl; IDEFICS2's connector Dv -> 14336 -> Dl, then `Idefics2PerceiverConfig`'s defaults
    /// at width Dl (3 layers, 64 latents, 16 heads of 96, 4 key-value heads); the Flamingo perceiver with
    /// `IdeficsPerceiverConfig`'s defaults at width Dv. The learned-query ones ignore `tokens`.
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
        case "qformer":
            configuration = QFormerConfiguration(encoderHiddenSize: dv, outputHiddenSize: dl)
        case "perceiver-idefics2":
            configuration = Idefics2PerceiverConfiguration(encoderHiddenSize: dv, hiddenSize: dl)
        case "perceiver-flamingo":
            configuration = FlamingoPerceiverConfiguration(encoderHiddenSize: dv)
        default:
            throw ConfigurationError(field: "connector", reason: "unknown connector '\(name)'; known: \(known.joined(separator: ", "))")
        }
        try configuration.validate(file: name)
        return configuration
    }

    /// The token counts connector `name` is run at, given the requested ones and the input's token count: every
    /// input token for `mlp2x_gelu`, the fixed query or latent count of the learned-query connectors (32, 64, 64),
    /// the requested counts otherwise.
    public static func tokenCounts(for name: String, requested: [Int], inputTokens: Int) -> [Int] {
        switch name {
        case "mlp2x_gelu": [inputTokens]
        case "qformer": [32]
        case "perceiver-idefics2", "perceiver-flamingo": [64]
        default: requested
        }
    }

    /// Whether connector `name` takes the class token with the patches (BLIP-2's Q-Former and the Flamingo perceiver
    /// read the whole vision output; the others the patches alone).
    public static func takesPrefixTokens(_ name: String) -> Bool {
        name == "qformer" || name == "perceiver-flamingo"
    }
}

/// One sweep of the connector study: the encoder runs once per resolution, and every connector at every token
/// count takes the features it produced (LLaVA's choice by default: the penultimate layer's patch tokens; with the
/// class token for the Q-Former and the Flamingo perceiver).
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
        /// The arithmetic of the encoder's and the connector's linear layers.
        public var precision: Precision = .float32
        public var totalMilliseconds: Double { encoderMilliseconds + milliseconds }
        /// The connector's name, with the precision when it is not fp32 (a chart's series).
        public var label: String { precision == .float32 ? connector : "\(connector) (\(precision.rawValue))" }
    }

    public var tower: VisionTransformer
    public var resolutions: [Int]
    public var tokenCounts: [Int]
    public var connectors: [String]
    public var languageWidth: Int
    public var batch: Int
    public var runs: Int
    /// The hidden state the connectors read (transformers' `hidden_states` index; LLaVA's -2 by default): its patch
    /// tokens for the pooling connectors, with the class token for those that take it (``ConnectorStudy/takesPrefixTokens(_:)``).
    public var featureLayer: Int
    /// The connectors' linear layers (build `tower` with the same precision: its own is what it was built with).
    public var precision: Precision

    public init(tower: VisionTransformer, resolutions: [Int], tokenCounts: [Int], connectors: [String] = ConnectorStudy.connectors,
                languageWidth: Int, batch: Int = 1, runs: Int = 3, featureLayer: Int = -2, precision: Precision = .float32) {
        self.tower = tower
        self.resolutions = resolutions
        self.tokenCounts = tokenCounts
        self.connectors = connectors
        self.languageWidth = languageWidth
        self.batch = batch
        self.runs = runs
        self.featureLayer = featureLayer
        self.precision = precision
    }

    /// Cases in the order they run (for progress lines): one encoder run per resolution, then the connectors.
    public var caseCount: Int {
        let patch = tower.configuration.patchSize
        return resolutions.reduce(0) { total, side in
            let n = (side / patch) * (side / patch)  // the token counts that depend on N are mlp2x_gelu's (patches)
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
            var selected: ImageFeatures?
            // The selected layer's tokens with the class token; the pooling connectors take the patches alone.
            let allTokens = FeatureSelection(layer: featureLayer, tokens: .all)
            let encoderTiming = try Timing.measure(runs: runs) { selected = try tower.features(pixels, selection: allTokens) }
            done += 1
            let withPrefix = selected!
            let patches = ImageFeatures(tokens: try withPrefix.tokens.narrowed(axis: 1, start: withPrefix.prefixTokens,
                                                                               length: withPrefix.grid!.count), grid: withPrefix.grid)
            for name in connectors {
                let input = ConnectorStudy.takesPrefixTokens(name) ? withPrefix : patches
                let n = input.tokens.shape[1]
                for t in ConnectorStudy.tokenCounts(for: name, requested: tokenCounts, inputTokens: patches.tokens.shape[1]) {
                    progress(done, total, "\(name) T=\(t) @ \(resolution) px")
                    let connector = try ConnectorStudy.configuration(name, encoderWidth: configuration.hiddenSize, outputWidth: languageWidth, tokens: t)
                        .randomConnector(inputTokens: n, precision: precision)
                    let timing = try Timing.measure(runs: runs) { _ = try connector(input) }
                    rows.append(Row(connector: name, tokens: t, resolution: resolution, parameters: connector.parameterCount,
                                    gflops: Double(connector.flops(batch: batch, inputTokens: n)) / 1e9, milliseconds: timing.median,
                                    encoderMilliseconds: encoderTiming.median, precision: precision))
                    done += 1
                }
            }
        }
        progress(done, total, "done")
        return rows
    }
}
