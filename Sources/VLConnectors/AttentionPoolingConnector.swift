public import VLCore
public import VLTransformer

/// The `attn-pool` configuration: `encoder_hidden_size` (Dv), `output_hidden_size` (default Dv), `num_queries`
/// (T), `num_heads` (default 16), `intermediate_size` (default 4 x Dv), `layer_norm_eps` (default 1e-6),
/// `mlp_depth` (default 1; 0 = no readout, SigLIP's head when `num_queries` is 1).
public struct AttentionPoolingConfiguration: ConnectorConfiguration, Hashable {
    public static let projectorType = "attn-pool"

    public var encoderHiddenSize: Int
    public var outputHiddenSize: Int
    public var numQueries: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var layerNormEpsilon: Float
    public var mlpDepth: Int

    public init(encoderHiddenSize: Int, outputHiddenSize: Int? = nil, numQueries: Int, numHeads: Int = 16, intermediateSize: Int? = nil,
                layerNormEpsilon: Float = 1e-6, mlpDepth: Int = 1) {
        self.encoderHiddenSize = encoderHiddenSize
        self.outputHiddenSize = outputHiddenSize ?? encoderHiddenSize
        self.numQueries = numQueries
        self.numHeads = numHeads
        self.intermediateSize = intermediateSize ?? 4 * encoderHiddenSize
        self.layerNormEpsilon = layerNormEpsilon
        self.mlpDepth = mlpDepth
    }

    private enum Keys: String, CodingKey {
        case projectorType = "projector_type", encoderHiddenSize = "encoder_hidden_size", outputHiddenSize = "output_hidden_size"
        case numQueries = "num_queries", numHeads = "num_heads", intermediateSize = "intermediate_size"
        case layerNormEpsilon = "layer_norm_eps", mlpDepth = "mlp_depth"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(encoderHiddenSize: try c.decode(Int.self, forKey: .encoderHiddenSize),
                  outputHiddenSize: try c.decodeIfPresent(Int.self, forKey: .outputHiddenSize),
                  numQueries: try c.decode(Int.self, forKey: .numQueries), numHeads: try c.decode(.numHeads, default: 16),
                  intermediateSize: try c.decodeIfPresent(Int.self, forKey: .intermediateSize),
                  layerNormEpsilon: Float(try c.decode(.layerNormEpsilon, default: 1e-6 as Double)),
                  mlpDepth: try c.decode(.mlpDepth, default: 1))
        try validate(file: decoder.configurationFile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.projectorType, forKey: .projectorType)
        try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
        try c.encode(outputHiddenSize, forKey: .outputHiddenSize)
        try c.encode(numQueries, forKey: .numQueries)
        try c.encode(numHeads, forKey: .numHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(Double(layerNormEpsilon), forKey: .layerNormEpsilon)
        try c.encode(mlpDepth, forKey: .mlpDepth)
    }

    public func validate(file: String) throws(ConfigurationError) {
        let (dv, dl) = (encoderHiddenSize, outputHiddenSize)
        try ConfigurationChecks.positive([("encoder_hidden_size", dv), ("output_hidden_size", dl), ("num_queries", numQueries),
                                          ("num_heads", numHeads), ("intermediate_size", intermediateSize)], file: file)
        guard dv % numHeads == 0 else {
            throw ConfigurationError(field: "\(file): num_heads", reason: "\(numHeads) heads do not divide encoder_hidden_size \(dv)")
        }
        try ConfigurationChecks.depth(mlpDepth, "mlp_depth", file: file, allowZero: true)
        try SizeLimits.checkElements([max(dl, intermediateSize), max(dl, dv, intermediateSize)], field: "\(file): sizes")
        try SizeLimits.checkElements([numQueries, dv], field: "\(file): probe")
        if mlpDepth == 0, dl != dv {
            throw ConfigurationError(field: "\(file): output_hidden_size", reason: "mlp_depth 0 keeps the encoder width \(dv)")
        }
    }

    public func makeConnector(_ scope: ParameterScope, inputTokens: Int) throws -> any Connector {
        try AttentionPoolingConnector(scope, configuration: self)
    }
}

/// MM1's attention-pooling connector in the form of SigLIP's pooling head with `T` learned probes:
/// `h = MHA(probe, x, x)`, `h + mlp(layernorm(h))` (tanh GELU), then the ``Readout``.
///
/// Keys: `probe [1, T, Dv]`, `attention.in_proj_weight [3Dv, Dv]`, `attention.in_proj_bias`,
/// `attention.out_proj.*`, `layernorm.*`, `mlp.fc1.*`, `mlp.fc2.*`, `readout.*`. With `T = 1` and
/// `mlp_depth` 0 it is exactly SigLIP's head. Takes any token count (no grid needed).
public struct AttentionPoolingConnector: Connector {
    public let configuration: any ConnectorConfiguration
    public let head: AttentionPoolingHead
    public let readout: Readout
    public let parameters: ParameterRecord

    public var inputWidth: Int { head.width }
    public var outputWidth: Int { readout.outputWidth }

    public init(_ scope: ParameterScope, configuration c: AttentionPoolingConfiguration) throws {
        try c.validate()
        configuration = c
        var head = try AttentionPoolingHead(scope, width: c.encoderHiddenSize, heads: c.numHeads, intermediateSize: c.intermediateSize,
                                            probes: c.numQueries, epsilon: c.layerNormEpsilon, activation: .geluTanh)
        head.mlp.activationModuleName = nil  // the reference's probe MLP calls GELU as a function
        self.head = head
        readout = try Readout(scope["readout"], depth: c.mlpDepth, inputWidth: c.encoderHiddenSize, outputWidth: c.outputHiddenSize)
        parameters = scope.recorded()
    }

    public func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int { head.probes }

    /// `[B, N, Dv]` → `[B, T, Dl]`.
    public func callAsFunction(_ features: ImageFeatures) throws -> Tensor {
        _ = try validate(features)
        guard Tracing.isRecording else { return try readout(try head(features.tokens)) }
        return try readout.tracedForward(try head.tracedForward(features.tokens))
    }

    public func flops(batch: Int, inputTokens: Int) -> Int {
        head.flops(batch: batch, tokens: inputTokens) + readout.flops(rows: batch * head.probes)
    }
}
