/// Applies BPE merges to a word's symbols exactly as the Rust `tokenizers` crate (`Word::merge_all`):
/// repeatedly merge the adjacent pair with the lowest rank, the leftmost one on ties.
enum BytePairMerger {
    /// Words up to this many symbols use the quadratic scan; longer ones use a heap.
    static let heapThreshold = 96

    /// Merges `symbols` in place.
    static func merge(_ symbols: inout [Int32], table: MergeTable) {
        if symbols.count < 2 { return }
        if symbols.count <= heapThreshold {
            mergeByScanning(&symbols, table: table)
        } else {
            mergeWithHeap(&symbols, table: table)
        }
    }

    /// O(n²) in the worst case but allocation free and fastest for ordinary words.
    static func mergeByScanning(_ symbols: inout [Int32], table: MergeTable) {
        var count = symbols.count
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { pairs in
            symbols.withUnsafeMutableBufferPointer { ids in
                for index in 0..<(count - 1) {
                    pairs[index] = table.lookup(ids[index], ids[index + 1])
                }
                while count > 1 {
                    var best = MergeTable.none
                    var bestIndex = -1
                    for index in 0..<(count - 1) where pairs[index] < best {
                        best = pairs[index]
                        bestIndex = index
                    }
                    if bestIndex < 0 { break }
                    ids[bestIndex] = Int32(bitPattern: UInt32(truncatingIfNeeded: best))
                    // Remove the right symbol and its pair entry.
                    var index = bestIndex + 1
                    while index < count - 1 {
                        ids[index] = ids[index + 1]
                        pairs[index] = pairs[index + 1]
                        index += 1
                    }
                    count -= 1
                    if bestIndex > 0 {
                        pairs[bestIndex - 1] = table.lookup(ids[bestIndex - 1], ids[bestIndex])
                    }
                    if bestIndex < count - 1 {
                        pairs[bestIndex] = table.lookup(ids[bestIndex], ids[bestIndex + 1])
                    }
                }
            }
        }
        symbols.removeLast(symbols.count - count)
    }

    /// O(n log n): the Rust algorithm with a binary heap of (rank, position) and lazy invalidation.
    static func mergeWithHeap(_ symbols: inout [Int32], table: MergeTable) {
        let count = symbols.count
        var previous = (0..<count).map { $0 - 1 }
        var next = (0..<count).map { $0 + 1 }
        var alive = [Bool](repeating: true, count: count)
        var heap = MergeHeap()
        for index in 0..<(count - 1) {
            let packed = table.lookup(symbols[index], symbols[index + 1])
            if packed != MergeTable.none { heap.push(packed: packed, position: index) }
        }
        while let top = heap.pop() {
            let position = top.position
            guard alive[position], next[position] < count else { continue }
            let right = next[position]
            // Skip entries made stale by an earlier merge of one of the two symbols.
            let current = table.lookup(symbols[position], symbols[right])
            guard current != MergeTable.none, UInt32(truncatingIfNeeded: current) == top.result else { continue }
            symbols[position] = Int32(bitPattern: top.result)
            alive[right] = false
            next[position] = next[right]
            if next[right] < count { previous[next[right]] = position }
            if previous[position] >= 0 {
                let left = previous[position]
                let packed = table.lookup(symbols[left], symbols[position])
                if packed != MergeTable.none { heap.push(packed: packed, position: left) }
            }
            if next[position] < count {
                let packed = table.lookup(symbols[position], symbols[next[position]])
                if packed != MergeTable.none { heap.push(packed: packed, position: position) }
            }
        }
        var merged: [Int32] = []
        merged.reserveCapacity(count)
        for index in 0..<count where alive[index] { merged.append(symbols[index]) }
        symbols = merged
    }
}

/// A min-heap of pending merges ordered by (rank, position), as `Merge`'s `Ord` in the Rust crate.
struct MergeHeap {
    private var keys: [UInt64] = []  // rank << 32 | position
    private var results: [UInt32] = []

    mutating func push(packed: UInt64, position: Int) {
        keys.append(packed & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(truncatingIfNeeded: position)))
        results.append(UInt32(truncatingIfNeeded: packed))
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if keys[parent] <= keys[child] { break }
            keys.swapAt(parent, child)
            results.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> (position: Int, result: UInt32)? {
        guard let first = keys.first, let result = results.first else { return nil }
        let last = keys.count - 1
        keys.swapAt(0, last)
        results.swapAt(0, last)
        keys.removeLast()
        results.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= keys.count { break }
            var smallest = left
            if left + 1 < keys.count && keys[left + 1] < keys[left] { smallest = left + 1 }
            if keys[parent] <= keys[smallest] { break }
            keys.swapAt(parent, smallest)
            results.swapAt(parent, smallest)
            parent = smallest
        }
        return (Int(first & 0xFFFF_FFFF), result)
    }
}
