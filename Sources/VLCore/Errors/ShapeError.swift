/// A tensor reached a layer or kernel with a shape it cannot take.
///
/// Thrown for data errors: the shape came from a file, a checkpoint or a caller's input.
/// The message names the layer path, the tensor, the expected shape and the actual one.
public struct ShapeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Dotted path of the layer or the name of the operation, e.g. `encoder.layers.3.self_attn`.
    public var path: String
    /// Which tensor of that layer, e.g. `input`, `pixel_values`, `weight`.
    public var tensor: String
    /// The expected shape, possibly symbolic, e.g. `[B, N, 768]`.
    public var expected: String
    /// The shape that arrived.
    public var actual: [Int]

    public init(path: String, tensor: String, expected: String, actual: [Int]) {
        self.path = path
        self.tensor = tensor
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "\(path): \(tensor) has shape \(actual.shapeDescription), expected \(expected)"
    }
}
