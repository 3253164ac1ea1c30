import Foundation

/// Formats numbers for tables and JSON.
enum Format {
    static func fixed(_ value: Double, _ digits: Int = 2) -> String {
        guard value.isFinite else { return "nan" }
        var text = String(Int((value * pow10(digits)).rounded()))
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        while text.count <= digits { text = "0" + text }
        let split = text.index(text.endIndex, offsetBy: -digits)
        let result = digits == 0 ? text : text[..<split] + "." + text[split...]
        return (negative ? "-" : "") + result
    }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }

    /// A JSON object with keys in the given order (values already encoded).
    static func jsonLine(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Resident memory of this process, from /proc/self/statm (0 where it is not available).
enum ResidentMemory {
    static func kilobytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
