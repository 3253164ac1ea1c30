/// Which module paths a trace records: glob patterns on dotted paths, `*` matching any run of characters (dots
/// included, so `encoder.*.mlp` matches `encoder.layers.3.mlp`) and `?` one character. A path is recorded when any
/// pattern matches all of it; no patterns records everything.
public struct ModuleFilter: Sendable, Hashable, CustomStringConvertible {
    public let patterns: [String]

    /// `patterns` as given; an empty list matches every path.
    public init(_ patterns: [String]) {
        self.patterns = patterns
    }

    /// Comma-separated patterns, as `--modules` takes them: `"embeddings,encoder.layers.1*"`.
    public init(parsing list: String) {
        self.init(list.split(separator: ",").map { String($0).trimmingCharacters(inWhitespace: ()) }.filter { !$0.isEmpty })
    }

    /// Every path.
    public static let all = ModuleFilter([])

    public var description: String { patterns.isEmpty ? "*" : patterns.joined(separator: ",") }

    public func matches(_ path: String) -> Bool {
        patterns.isEmpty || patterns.contains { Self.glob(Array($0.utf8)[...], Array(path.utf8)[...]) }
    }

    /// Iterative wildcard match with backtracking to the last `*`.
    static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex, t = text.startIndex
        var star: Int?, resume = text.startIndex
        while t < text.endIndex {
            if p < pattern.endIndex && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1; t += 1
            } else if p < pattern.endIndex && pattern[p] == UInt8(ascii: "*") {
                star = p; resume = t; p += 1
            } else if let s = star {
                p = s + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.endIndex && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation-free).
    func trimmingCharacters(inWhitespace _: Void) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
