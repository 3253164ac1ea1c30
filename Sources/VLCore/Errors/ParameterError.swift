/// Loading parameters into a module failed: a key is missing, unused, or has the wrong shape.
public enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The module needs `path` but the source does not have it; `nearest` lists similar existing keys.
    case missing(path: String, expectedShape: [Int], nearest: [String])
    /// The source has `path` with `actual` shape; the module needs `expected`.
    case shapeMismatch(path: String, expected: [Int], actual: [Int])
    /// Strict loading found keys in the source that no module consumed.
    case unused(paths: [String])
    /// The tensor at `path` could not be read (bad dtype, bad bytes, I/O).
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path, let shape, let nearest):
            let hint = nearest.isEmpty ? "" : "; nearest existing keys: " + nearest.joined(separator: ", ")
            return "missing parameter '\(path)' (expected shape \(shape.shapeDescription))\(hint)"
        case .shapeMismatch(let path, let expected, let actual):
            return "parameter '\(path)' has shape \(actual.shapeDescription), expected \(expected.shapeDescription)"
        case .unused(let paths):
            let shown = paths.prefix(8).joined(separator: ", ")
            let more = paths.count > 8 ? " and \(paths.count - 8) more" : ""
            return "\(paths.count) unused parameter(s) in the checkpoint: \(shown)\(more)"
        case .unreadable(let path, let reason):
            return "parameter '\(path)' cannot be read: \(reason)"
        }
    }
}
