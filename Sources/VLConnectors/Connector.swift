public import VLCore

/// A vision-language connector: image tokens `[B, N, Dv]` (with the patch grid they lie on) in, language-space
/// tokens `[B, T, Dl]` out. Each connector reports its parameters and FLOPs for an input size.
public protocol Connector: Layer where Input == ImageFeatures, Output == Tensor {
    /// The configuration it was built from (`projector_type` and its fields).
    var configuration: any ConnectorConfiguration { get }
    /// `Dv`.
    var inputWidth: Int { get }
    /// `Dl`.
    var outputWidth: Int { get }
    /// `T` for an input of `inputTokens` tokens on `grid` (nil: a square grid is assumed where one is needed).
    /// - Throws: ``ShapeError`` when the connector cannot take that input (e.g. not a grid it can pool).
    func outputTokens(forInputTokens inputTokens: Int, grid: PatchGrid?) throws -> Int
    /// FLOPs of one call on `batch x inputTokens` tokens (GEMMs, convolutions and attention products).
    func flops(batch: Int, inputTokens: Int) -> Int
}

extension Connector {
    /// Runs the connector on `[B, N, Dv]` tokens without a grid (a square one is assumed where one is needed).
    public func callAsFunction(_ tokens: Tensor) throws -> Tensor { try self(ImageFeatures(tokens: tokens)) }

    /// `T` for `inputTokens` tokens on a square grid.
    public func outputTokens(forInputTokens inputTokens: Int) throws -> Int {
        try outputTokens(forInputTokens: inputTokens, grid: nil)
    }

    /// Checks `features` is `[B, N, Dv]` with `B, N > 0`, naming the connector and `tensor` in the error; a padding
    /// mask is refused unless the connector `allowsMask` (pooling over a grid has no use for one).
    package func validate(_ features: ImageFeatures, tensor: String = "image_features", allowsMask: Bool = false) throws(ShapeError) -> (batch: Int, tokens: Int) {
        let x = features.tokens
        guard x.rank == 3, x.shape[0] > 0, x.shape[1] > 0, x.shape[2] == inputWidth else {
            throw ShapeError(path: path, tensor: tensor, expected: "[B, N, \(inputWidth)]", actual: x.shape)
        }
        if let mask = features.attentionMask, !allowsMask {
            throw ShapeError(path: path, tensor: "attention_mask", expected: "no padding mask (\(configuration.projectorType) takes every token)",
                             actual: mask.shape)
        }
        return (x.shape[0], x.shape[1])
    }
}
