public import VLConnectors
public import VLCore

/// Mixes CLIP and DINOv2 features into language-space tokens, as the mixture-of-features layers of
/// "Eyes Wide Shut" (Tong et al., 2024).
public protocol FeatureMixer: ParameterContainer, Sendable {
    var configuration: MixtureConfiguration { get }
    var outputWidth: Int { get }
    /// `clip [B, N, Dc]`, `dino [B, N, Dd]` → `[B, T, Dl]`.
    func callAsFunction(clip: Tensor, dino: Tensor) throws -> Tensor
    func outputTokens(forInputTokens inputTokens: Int) throws -> Int
    func flops(batch: Int, inputTokens: Int) -> Int
}

/// The two mixtures' configurations: JSON objects with `projector_type` `i-mof` or `a-mof`.
///
/// - `i-mof`: `clip_projector` and `dino_projector`, each a connector config (see ``ConnectorConfiguration``).
/// - `a-mof`: `alpha` in [0, 1] and `projector`, a connector config.
public enum MixtureConfiguration: Sendable, Equatable {
    case interleaved(clip: ConnectorConfiguration, dino: ConnectorConfiguration)
    case additive(alpha: Double, projector: ConnectorConfiguration)

    public var projectorType: String {
        switch self {
        case .interleaved: "i-mof"
        case .additive: "a-mof"
        }
    }

    /// Parses an `i-mof` or `a-mof` config object.
    public init(json: JSONValue, file: String = "config") throws(ConfigurationError) {
        let r = JSONConfigReader(json: json, file: file)
        switch try r.string("projector_type") {
        case "i-mof":
            self = .interleaved(clip: try ConnectorConfiguration(json: try r.object("clip_projector"), file: file + ": clip_projector"),
                                dino: try ConnectorConfiguration(json: try r.object("dino_projector"), file: file + ": dino_projector"))
        case "a-mof":
            let value: Double
            switch json["alpha"] {
            case .number(let d)?: value = d
            case .integer(let i)?: value = Double(i)
            case nil: throw ConfigurationError(field: "\(file): alpha", reason: "missing (required)")
            default: throw ConfigurationError(field: "\(file): alpha", reason: "expected a number")
            }
            guard (0...1).contains(value) else {
                throw ConfigurationError(field: "\(file): alpha", reason: "\(value) is outside [0, 1]")
            }
            self = .additive(alpha: value, projector: try ConnectorConfiguration(json: try r.object("projector"), file: file + ": projector"))
        default:
            throw ConfigurationError(field: "\(file): projector_type", reason: "not a mixture type (i-mof, a-mof)")
        }
    }
}
