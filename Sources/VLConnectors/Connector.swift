public import VLCore

/// A vision-language connector: visual tokens `[B, N, Dv]` on a square `h x w` grid in, language-space
/// tokens `[B, T, Dl]` out. Each connector reports its parameters and FLOPs for an input size.
public protocol Connector: Layer, ParameterContainer where Input == Tensor, Output == Tensor {
    /// The configuration it was built from (`projector_type` and its fields).
    var configuration: ConnectorConfiguration { get }
    /// `Dv`.
    var inputWidth: Int { get }
    /// `Dl`.
    var outputWidth: Int { get }
    /// `T` for an input of `inputTokens` tokens.
    /// - Throws: ``ShapeError`` when the connector cannot take that many tokens (e.g. not a square grid).
    func outputTokens(forInputTokens inputTokens: Int) throws -> Int
    /// FLOPs of one call on `batch x inputTokens` tokens (GEMMs, convolutions and attention products).
    func flops(batch: Int, inputTokens: Int) -> Int
}

extension Connector {
    /// Checks `features` is `[B, N, Dv]` with `B, N > 0`, naming `path` and `tensor` in the error.
    func validate(_ features: Tensor, path: String, tensor: String = "image_features") throws(ShapeError) -> (batch: Int, tokens: Int) {
        guard features.rank == 3, features.shape[0] > 0, features.shape[1] > 0, features.shape[2] == inputWidth else {
            throw ShapeError(path: path, tensor: tensor, expected: "[B, N, \(inputWidth)]", actual: features.shape)
        }
        return (features.shape[0], features.shape[1])
    }
}

/// The side of a square grid of `tokens` tokens.
/// - Throws: ``ShapeError`` when `tokens` is not a perfect square.
func squareSide(_ tokens: Int, path: String, tensor: String) throws(ShapeError) -> Int {
    let side = Int(Double(tokens).squareRoot().rounded())
    guard tokens > 0, side * side == tokens else {
        throw ShapeError(path: path, tensor: tensor, expected: "a square number of tokens (h x h grid)", actual: [tokens])
    }
    return side
}
