/// Image tokens with the patch grid they lie on: what a vision tower hands a connector.
///
/// `tokens` is `[B, N, D]`: `prefixTokens` leading tokens (class token, registers) when they were kept, then
/// the `grid.height x grid.width` patches in row-major order. Connectors that pool or convolve the patches read
/// the grid from here instead of guessing a square.
public struct ImageFeatures: Sendable {
    /// `[B, N, D]`.
    public var tokens: Tensor
    /// The patch grid, or nil when unknown (connectors that need one then assume a square of the patches).
    public var grid: PatchGrid?
    /// Tokens before the patches (0 once they are dropped).
    public var prefixTokens: Int
    /// `[B, N]`, 1 for a real token and 0 for padding, as transformers' `attention_mask` over the image tokens; nil
    /// when every token is real. Connectors that attend to the tokens honour it; the pooling ones refuse it.
    public var attentionMask: Tensor?

    public init(tokens: Tensor, grid: PatchGrid? = nil, prefixTokens: Int = 0, attentionMask: Tensor? = nil) {
        self.tokens = tokens
        self.grid = grid
        self.prefixTokens = prefixTokens
        self.attentionMask = attentionMask
    }

    /// The grid of the patches: the stored one, or the square of `N - prefixTokens` patches.
    /// - Throws: ``ShapeError`` naming `path` when there is no stored grid and the patch count is not a square, or
    ///   when the stored grid does not match the token count.
    public func patchGrid(path: String, tensor: String = "image_features") throws(ShapeError) -> PatchGrid {
        let patches = (tokens.rank == 3 ? tokens.shape[1] : 0) - prefixTokens
        return try PatchGrid.resolving(grid, patches: patches, path: path, tensor: tensor, shape: tokens.shape)
    }
}

extension PatchGrid {
    /// The grid of `patches` tokens: `stored` when given (it must hold that many), else the square one.
    /// - Throws: ``ShapeError`` naming `path`, `tensor` and `shape` when neither works.
    public static func resolving(_ stored: PatchGrid?, patches: Int, path: String, tensor: String, shape: [Int]) throws(ShapeError) -> PatchGrid {
        if let stored {
            guard stored.count == patches else {
                throw ShapeError(path: path, tensor: tensor, expected: "\(stored.count) patch tokens for a \(stored) grid", actual: shape)
            }
            return stored
        }
        guard let square = PatchGrid(squareOf: patches) else {
            throw ShapeError(path: path, tensor: tensor, expected: "a square number of tokens (h x h grid), or a grid given with them",
                             actual: shape)
        }
        return square
    }
}
