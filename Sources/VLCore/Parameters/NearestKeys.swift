/// Finds the existing keys closest to a missing one, for error messages.
public enum NearestKeys {
    /// Up to `limit` names from `candidates` ordered by edit distance to `key` (ties keep input order).
    public static func find(_ key: String, in candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(key.utf8)
        let scored = candidates.map { ($0, distance(target, Array($0.utf8))) }
        return scored.sorted { $0.1 < $1.1 }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance between two byte strings.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
