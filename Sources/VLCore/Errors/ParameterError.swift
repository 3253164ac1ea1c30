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

    /// The same error with `prefix` in front of every path and key it names: what a loader that reads through
    /// a ``PrefixedSource`` reports, so that the message names the key exactly as the file spells it.
    public func prefixingPaths(with prefix: String) -> ParameterError {
        switch self {
        case .missing(let path, let shape, let nearest): .missing(path: prefix + path, expectedShape: shape, nearest: nearest.map { prefix + $0 })
        case .shapeMismatch(let path, let expected, let actual): .shapeMismatch(path: prefix + path, expected: expected, actual: actual)
        case .unused(let paths): .unused(paths: paths.map { prefix + $0 })
        case .unreadable(let path, let reason): .unreadable(path: prefix + path, reason: reason)
        }
    }

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
