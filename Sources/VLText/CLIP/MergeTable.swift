/// An open-addressing hash map from a pair of symbol ids to the merge's rank and result id.
///
/// Keys and values are packed into `UInt64`s so a lookup is a multiply, a shift and usually one probe.
struct MergeTable: Sendable {
    /// Returned by `lookup` when the pair has no merge.
    static let none: UInt64 = .max

    private var keys: [UInt64]
    private var values: [UInt64]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < max(16, capacity * 2) { bits += 1 }
        keys = [UInt64](repeating: .max, count: 1 << bits)
        values = [UInt64](repeating: .max, count: 1 << bits)
        shift = 64 - bits
        mask = (1 << bits) - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Sets the merge of `(left, right)`; a later insert of the same pair replaces the earlier one,
    /// like the Rust crate's `HashMap` collected from the merges list.
    mutating func insert(_ left: Int32, _ right: Int32, rank: Int32, result: Int32) {
        let key = Self.key(left, right)
        var index = slot(for: key)
        while keys[index] != .max && keys[index] != key {
            index = (index + 1) & mask
        }
        if keys[index] == .max { count += 1 }
        keys[index] = key
        values[index] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: result))
    }

    /// The packed `(rank << 32) | result` of the pair, or `MergeTable.none`.
    /// Packed values compare by rank first, so the smallest value is the merge to apply.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = Self.key(left, right)
        var index = slot(for: key)
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let stored = keys[index]
                if stored == key { return values[index] }
                if stored == .max { return Self.none }
                index = (index + 1) & mask
            }
        }
    }
}
