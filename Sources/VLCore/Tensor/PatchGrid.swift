/// The patch grid image tokens lie on: `height` rows of `width` patches, in row-major order.
///
/// Towers give it with their features, so that a connector that pools or convolves the tokens knows the map
/// they form (a 336 x 224 image at 14 px patches is a 24 x 16 grid), instead of assuming a square.
public struct PatchGrid: Sendable, Hashable, Codable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The square grid of `tokens` tokens, or nil when `tokens` is not a square.
    public init?(squareOf tokens: Int) {
        let side = Int(Double(tokens).squareRoot().rounded())
        guard tokens > 0, side * side == tokens else { return nil }
        self.init(height: side, width: side)
    }

    /// Parses `"24x16"` (rows x columns), as the `grid` metadata of feature files spells it.
    public init?(_ text: String) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h > 0, w > 0 else { return nil }
        self.init(height: h, width: w)
    }

    /// The number of patches.
    public var count: Int { height * width }
    public var isSquare: Bool { height == width }
    /// `"HxW"`.
    public var description: String { "\(height)x\(width)" }
}
