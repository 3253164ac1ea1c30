public import VLConnectors
public import VLCore

/// Additive-MoF: `alpha * clip + (1 - alpha) * dino` in feature space (same shape), then one projector
/// (`mm_projector.*`). `alpha` is rounded to fp32 as PyTorch does with a Python scalar; so is `1 - alpha`.
public struct AdditiveMixtureOfFeatures: FeatureMixer {
    public let configuration: MixtureConfiguration
    public let alpha: Double
    public let projector: any Connector
    public let path: String

    public var outputWidth: Int { projector.outputWidth }

    public init(_ scope: ParameterScope, alpha: Double, projector: ConnectorConfiguration, inputTokens: Int = 576) throws {
        guard (0...1).contains(alpha) else {
            throw ConfigurationError(field: "alpha", reason: "\(alpha) is outside [0, 1]")
        }
        configuration = .additive(alpha: alpha, projector: projector)
        self.alpha = alpha
        self.projector = try ConnectorFactory.make(projector, scope: scope["mm_projector"], inputTokens: inputTokens)
        path = scope.prefix
    }

    public func outputTokens(forInputTokens n: Int) throws -> Int { try projector.outputTokens(forInputTokens: n) }

    public func callAsFunction(clip: Tensor, dino: Tensor) throws -> Tensor {
        guard clip.shape == dino.shape else {
            throw ShapeError(path: path, tensor: "dino_features", expected: "\(clip.shape.shapeDescription) (the shape of clip_features)",
                             actual: dino.shape)
        }
        let a = Float(alpha), b = Float(1 - alpha)
        let mixed = Tensor(shape: clip.shape) { out in
            clip.withUnsafeBufferPointer { c in
                dino.withUnsafeBufferPointer { d in
                    for i in 0..<out.count { out[i] = a * c[i] + b * d[i] }
                }
            }
        }
        return try projector(mixed)
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try projector.visitParameters(prefix: "mm_projector", visit)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int { projector.flops(batch: batch, inputTokens: inputTokens) }
}
