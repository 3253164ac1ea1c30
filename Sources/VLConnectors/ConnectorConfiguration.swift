public import VLCore

/// A connector's configuration: a JSON object whose `projector_type` names the connector.
///
/// Keys (all sizes are integers):
/// - `mlp2x_gelu`: `encoder_hidden_size`, `output_hidden_size`.
/// - `avg-pool`: `encoder_hidden_size`, `output_hidden_size`, `num_queries` (a square), `mlp_depth` (default 1).
/// - `attn-pool`: `encoder_hidden_size`, `output_hidden_size` (default `encoder_hidden_size`), `num_queries`,
///   `num_heads` (default 16), `intermediate_size` (default 4 x Dv), `layer_norm_eps` (default 1e-6),
///   `mlp_depth` (default 1; 0 = no readout, SigLIP's head when `num_queries` is 1).
/// - `c-abs`: `encoder_hidden_size`, `hidden_size` (default `encoder_hidden_size`), `output_hidden_size`,
///   `depth` (default 3), `mlp_depth` (default 2), `num_queries` (a square), `pos_emb` (default true).
public enum ConnectorConfiguration: Sendable, Equatable {
    case mlp2xGELU(encoderWidth: Int, outputWidth: Int)
    case averagePooling(encoderWidth: Int, outputWidth: Int, queries: Int, mlpDepth: Int)
    case attentionPooling(encoderWidth: Int, outputWidth: Int, queries: Int, heads: Int, intermediateSize: Int,
                          epsilon: Float, mlpDepth: Int)
    case cAbstractor(encoderWidth: Int, hiddenWidth: Int, outputWidth: Int, depth: Int, mlpDepth: Int, queries: Int,
                     positionEmbedding: Bool)

    /// The `projector_type` names, as the configs spell them.
    public static let projectorTypes = ["mlp2x_gelu", "avg-pool", "attn-pool", "c-abs"]

    public var projectorType: String {
        switch self {
        case .mlp2xGELU: "mlp2x_gelu"
        case .averagePooling: "avg-pool"
        case .attentionPooling: "attn-pool"
        case .cAbstractor: "c-abs"
        }
    }

    /// Parses a connector config object.
    /// - Throws: ``ConfigurationError`` for an unknown `projector_type`, a missing or mistyped field, or sizes
    ///   that cannot work (a non-square `num_queries`, heads that do not divide the width).
    public init(json: JSONValue, file: String = "config") throws(ConfigurationError) {
        guard case .object = json else { throw ConfigurationError(field: file, reason: "expected a JSON object") }
        let r = JSONConfigReader(json: json, file: file)
        guard let type = try r.string("projector_type") else {
            throw ConfigurationError(field: "\(file): projector_type", reason: "missing; expected one of \(Self.projectorTypes.joined(separator: ", "))")
        }
        switch type {
        case "mlp2x_gelu":
            self = .mlp2xGELU(encoderWidth: try r.requiredInt("encoder_hidden_size"), outputWidth: try r.requiredInt("output_hidden_size"))
        case "avg-pool":
            self = .averagePooling(encoderWidth: try r.requiredInt("encoder_hidden_size"),
                                   outputWidth: try r.requiredInt("output_hidden_size"), queries: try r.requiredInt("num_queries"),
                                   mlpDepth: try r.int("mlp_depth", 1))
        case "attn-pool":
            let d = try r.requiredInt("encoder_hidden_size")
            self = .attentionPooling(encoderWidth: d, outputWidth: try r.int("output_hidden_size", d),
                                     queries: try r.requiredInt("num_queries"), heads: try r.int("num_heads", 16),
                                     intermediateSize: try r.int("intermediate_size", 4 * d),
                                     epsilon: try r.float("layer_norm_eps", 1e-6), mlpDepth: try r.int("mlp_depth", 1))
        case "c-abs":
            let d = try r.requiredInt("encoder_hidden_size")
            self = .cAbstractor(encoderWidth: d, hiddenWidth: try r.int("hidden_size", d),
                                outputWidth: try r.requiredInt("output_hidden_size"), depth: try r.int("depth", 3),
                                mlpDepth: try r.int("mlp_depth", 2), queries: try r.requiredInt("num_queries"),
                                positionEmbedding: try r.bool("pos_emb", true))
        default:
            throw ConfigurationError(field: "\(file): projector_type",
                                     reason: "unknown projector_type '\(type)'; supported: \(Self.projectorTypes.joined(separator: ", ")), i-mof, a-mof")
        }
        try validate(file: file)
    }

    /// Checks the sizes fit together and stay within ``SizeLimits``.
    public func validate(file: String = "config") throws(ConfigurationError) {
        func positive(_ values: [(String, Int)]) throws(ConfigurationError) {
            for (name, value) in values {
                if name == "depth" || name == "mlp_depth" {
                    try SizeLimits.checkDepth(value, field: "\(file): \(name)")
                    if value <= 0 { throw ConfigurationError(field: "\(file): \(name)", reason: "must be positive, got \(value)") }
                } else {
                    try SizeLimits.checkDimension(value, field: "\(file): \(name)")
                }
            }
        }
        func square(_ queries: Int) throws(ConfigurationError) {
            let side = Int(Double(queries).squareRoot().rounded())
            guard queries > 0, side * side == queries else {
                throw ConfigurationError(field: "\(file): num_queries", reason: "\(queries) is not a square number (the output is a sqrt(T) x sqrt(T) grid)")
            }
        }
        switch self {
        case .mlp2xGELU(let dv, let dl):
            try positive([("encoder_hidden_size", dv), ("output_hidden_size", dl)])
            try SizeLimits.checkElements([dl, max(dl, dv)], field: "\(file): sizes")
        case .averagePooling(let dv, let dl, let t, let depth):
            try positive([("encoder_hidden_size", dv), ("output_hidden_size", dl), ("num_queries", t)])
            try square(t)
            try SizeLimits.checkDepth(depth, field: "\(file): mlp_depth")
            try SizeLimits.checkElements([dl, max(dl, dv)], field: "\(file): readout")
            if depth == 0, dl != dv {
                throw ConfigurationError(field: "\(file): output_hidden_size", reason: "mlp_depth 0 keeps the encoder width \(dv)")
            }
        case .attentionPooling(let dv, let dl, let t, let heads, let inner, _, let depth):
            try positive([("encoder_hidden_size", dv), ("output_hidden_size", dl), ("num_queries", t), ("num_heads", heads),
                          ("intermediate_size", inner)])
            guard dv % heads == 0 else {
                throw ConfigurationError(field: "\(file): num_heads", reason: "\(heads) heads do not divide encoder_hidden_size \(dv)")
            }
            try SizeLimits.checkDepth(depth, field: "\(file): mlp_depth")
            try SizeLimits.checkElements([max(dl, inner), max(dl, dv, inner)], field: "\(file): sizes")
            try SizeLimits.checkElements([t, dv], field: "\(file): probe")
            if depth == 0, dl != dv {
                throw ConfigurationError(field: "\(file): output_hidden_size", reason: "mlp_depth 0 keeps the encoder width \(dv)")
            }
        case .cAbstractor(let dv, let hidden, let dl, let depth, let mlpDepth, let t, _):
            try positive([("encoder_hidden_size", dv), ("hidden_size", hidden), ("output_hidden_size", dl), ("depth", depth),
                          ("mlp_depth", mlpDepth), ("num_queries", t)])
            try square(t)
            try SizeLimits.checkElements([max(dv, hidden, dl), max(dv, hidden, dl)], field: "\(file): sizes")
        }
    }
}
