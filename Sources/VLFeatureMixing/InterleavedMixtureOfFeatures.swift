public import VLConnectors
public import VLCore

/// Interleaved-MoF: CLIP tokens through their projector (`mm_projector.*`), DINOv2 tokens through theirs
/// (`dino_mm_projector.*`), then interleaved token by token in spatial order: `c0, d0, c1, d1, ...`
/// (`2T` tokens). Both projectors must give the same token count and width.
public struct InterleavedMixtureOfFeatures: FeatureMixer {
    public let configuration: MixtureConfiguration
    public let clipProjector: any Connector
    public let dinoProjector: any Connector
    public let path: String

    public var outputWidth: Int { clipProjector.outputWidth }

    public init(_ scope: ParameterScope, clip: ConnectorConfiguration, dino: ConnectorConfiguration, inputTokens: Int = 576) throws {
        configuration = .interleaved(clip: clip, dino: dino)
        clipProjector = try ConnectorFactory.make(clip, scope: scope["mm_projector"], inputTokens: inputTokens)
        dinoProjector = try ConnectorFactory.make(dino, scope: scope["dino_mm_projector"], inputTokens: inputTokens)
        guard clipProjector.outputWidth == dinoProjector.outputWidth else {
            throw ConfigurationError(field: "dino_projector.output_hidden_size",
                                     reason: "\(dinoProjector.outputWidth) differs from the CLIP projector's \(clipProjector.outputWidth)")
        }
        path = scope.prefix
    }

    public func outputTokens(forInputTokens n: Int) throws -> Int {
        2 * (try clipProjector.outputTokens(forInputTokens: n))
    }

    public func callAsFunction(clip: Tensor, dino: Tensor) throws -> Tensor {
        guard clip.rank == 3, dino.rank == 3, clip.shape[0] == dino.shape[0], clip.shape[1] == dino.shape[1] else {
            throw ShapeError(path: path, tensor: "dino_features", expected: "[\(clip.shape.first ?? 0), \(clip.shape.dropFirst().first ?? 0), D] (as many images and tokens as clip_features \(clip.shape.shapeDescription))",
                             actual: dino.shape)
        }
        let a = try clipProjector(clip), b = try dinoProjector(dino)
        guard a.shape == b.shape else {
            throw ShapeError(path: path, tensor: "dino tokens", expected: a.shape.shapeDescription, actual: b.shape)
        }
        let (batch, t, d) = (a.shape[0], a.shape[1], a.shape[2])
        return Tensor(shape: [batch, 2 * t, d]) { out in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    for image in 0..<batch {
                        for i in 0..<t {
                            let source = (image * t + i) * d, target = (image * 2 * t + 2 * i) * d
                            (out.baseAddress! + target).update(from: ap.baseAddress! + source, count: d)
                            (out.baseAddress! + target + d).update(from: bp.baseAddress! + source, count: d)
                        }
                    }
                }
            }
        }
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try clipProjector.visitParameters(prefix: "mm_projector", visit)
        try dinoProjector.visitParameters(prefix: "dino_mm_projector", visit)
    }

    public func flops(batch: Int, inputTokens: Int) -> Int {
        clipProjector.flops(batch: batch, inputTokens: inputTokens) + dinoProjector.flops(batch: batch, inputTokens: inputTokens)
    }
}
