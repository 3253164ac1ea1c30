/// Read-only access to a Darts-clone double-array trie, the format of the trie inside SentencePiece's
/// `precompiled_charsmap`. Lookups out of the array's bounds end the search instead of trapping.
struct DoubleArray: Sendable {
    private let units: [UInt32]

    /// `units` are the little-endian 32-bit words of the serialized array.
    init(units: [UInt32]) {
        self.units = units
    }

    var isEmpty: Bool { units.isEmpty }

    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & (0x8000_0000 | 0xFF) }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }

    /// `commonPrefixSearch` reduced to what SentencePiece's normaliser keeps: the longest key that is a
    /// prefix of `key[start...]`, as (length, value).
    func longestPrefix(of key: UnsafeBufferPointer<UInt8>, from start: Int) -> (length: Int, value: Int)? {
        guard let root = units.first else { return nil }
        var best: (length: Int, value: Int)?
        var id = Self.offset(root)
        var index = start
        while index < key.count {
            let byte = key[index]
            id ^= Int(byte)
            guard id >= 0, id < units.count else { return best }
            let unit = units[id]
            guard Self.label(unit) == UInt32(byte) else { return best }
            id ^= Self.offset(unit)
            index += 1
            if Self.hasLeaf(unit) {
                guard id >= 0, id < units.count else { return best }
                best = (index - start, Self.value(units[id]))
            }
        }
        return best
    }
}
