import ArgumentParser

/// Comma-separated integer options (`--tokens 64,144`, `--resolutions 224,336`).
enum IntegerList {
    /// Parses `--tokens 64,144`: positive integers; avg-pool and c-abs need squares.
    static func tokenCounts(_ text: String) throws -> [Int] {
        try parse(text, in: 1...Int.max, what: "--tokens takes positive integers separated by commas, e.g. 64,144")
    }

    /// A comma-separated list of integers in `range`, or a `ValidationError` saying `what` the option takes.
    static func parse(_ text: String, in range: ClosedRange<Int>, what: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) ?? false }) else { throw ValidationError(what) }
        return values.map { $0! }
    }
}
