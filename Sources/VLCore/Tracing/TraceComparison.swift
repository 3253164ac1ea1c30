import Foundation

/// Two traces compared module by module (`vlblocks diff A B`): B is the reference. For every path in both, the
/// ``TensorComparison``; the paths in one only; and the first divergence: the first path in A's order (or, without
/// an order, the sorted paths) whose shapes differ or which is outside the tolerance.
public struct TraceComparison: Sendable, CustomStringConvertible {
    public struct Entry: Sendable {
        public let path: String
        public let comparison: TensorComparison
    }

    /// The common paths in A's order.
    public let entries: [Entry]
    public let onlyInActual: [String]
    public let onlyInReference: [String]
    public let firstDivergence: String?

    /// Whether every common module has equal shapes and is within the tolerance (paths in one trace only do not count).
    public var passed: Bool { firstDivergence == nil }

    public init(_ actual: Trace, _ reference: Trace, rtol: Float = 1e-5, atol: Float = 1e-6) {
        let order = actual.order.isEmpty ? actual.tensors.keys.sorted() : actual.order
        entries = order.compactMap { path in
            guard let a = actual[path], let b = reference[path] else { return nil }
            return Entry(path: path, comparison: TensorComparison(a, b, rtol: rtol, atol: atol))
        }
        onlyInActual = order.filter { reference[$0] == nil }
        let referenceOrder = reference.order.isEmpty ? reference.tensors.keys.sorted() : reference.order
        onlyInReference = referenceOrder.filter { actual[$0] == nil }
        firstDivergence = entries.first { !$0.comparison.passed }?.path
    }

    public var description: String {
        var lines: [String] = []
        if let firstDivergence {
            lines.append("first divergence: \(firstDivergence)")
        } else {
            lines.append("all \(entries.count) common modules within tolerance")
        }
        for entry in entries where !entry.comparison.passed { lines.append("  \(entry.path): \(entry.comparison)") }
        if !onlyInActual.isEmpty { lines.append("only in A: \(onlyInActual.joined(separator: ", "))") }
        if !onlyInReference.isEmpty { lines.append("only in B: \(onlyInReference.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    /// The `vlblocks diff --json` object: `first_divergence`, `tensors` (`name`, `shape_a`, `shape_b`, `max_abs`,
    /// `max_rel`, `cosine`, `worst_index`, `a`, `b`, `ok`), `only_in_a`, `only_in_b`. Non-finite numbers are written
    /// as the strings "inf", "-inf" and "nan".
    public var json: String {
        func number(_ value: Double) -> String {
            if value.isNaN { return "\"nan\"" }
            if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
            return "\(value)"
        }
        func string(_ text: String) -> String {
            let data = try? JSONEncoder().encode(text)
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
        let tensors = entries.map { entry -> String in
            let c = entry.comparison
            return "{\"name\": \(string(entry.path)), \"shape_a\": \(list(c.actualShape)), \"shape_b\": \(list(c.expectedShape)), "
                + "\"max_abs\": \(number(Double(c.maxAbsoluteError))), \"max_rel\": \(number(Double(c.maxRelativeError))), "
                + "\"cosine\": \(number(c.cosine)), \"worst_index\": \(list(c.worstIndex)), "
                + "\"a\": \(number(Double(c.worstActual))), \"b\": \(number(Double(c.worstExpected))), \"ok\": \(c.passed)}"
        }
        return "{\"first_divergence\": \(firstDivergence.map(string) ?? "null"), \"tensors\": [" + tensors.joined(separator: ", ")
            + "], \"only_in_a\": [" + onlyInActual.map(string).joined(separator: ", ") + "], \"only_in_b\": ["
            + onlyInReference.map(string).joined(separator: ", ") + "]}"
    }
}
