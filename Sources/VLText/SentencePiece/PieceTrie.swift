/// A byte trie over the vocabulary pieces, giving each node's piece id (or -1).
///
/// Built once from the model; nodes store their children as sorted label runs, and the root has a
/// direct 256-entry table since every lookup starts there.
struct PieceTrie: Sendable {
    private var childStart: [Int32] = []
    private var childCount: [Int32] = []
    private var labels: [UInt8] = []
    private var children: [Int32] = []
    private(set) var values: [Int32] = []
    private var rootChildren = [Int32](repeating: -1, count: 256)

    /// - Parameter pieces: (key bytes, id); keys must be distinct and non-empty.
    init(_ pieces: [(key: [UInt8], id: Int32)]) {
        // Build a pointer trie first, then flatten it breadth-first.
        var edges: [[UInt8: Int32]] = [[:]]
        var nodeValues: [Int32] = [-1]
        for (key, id) in pieces {
            var node = 0
            for byte in key {
                if let next = edges[node][byte] {
                    node = Int(next)
                } else {
                    edges.append([:])
                    nodeValues.append(-1)
                    let next = Int32(edges.count - 1)
                    edges[node][byte] = next
                    node = Int(next)
                }
            }
            nodeValues[node] = id
        }
        values = nodeValues
        childStart = [Int32](repeating: 0, count: edges.count)
        childCount = [Int32](repeating: 0, count: edges.count)
        for (node, map) in edges.enumerated() {
            childStart[node] = Int32(labels.count)
            childCount[node] = Int32(map.count)
            for (label, child) in map.sorted(by: { $0.key < $1.key }) {
                labels.append(label)
                children.append(child)
            }
        }
        for (label, child) in edges[0] { rootChildren[Int(label)] = child }
    }

    static let root = 0

    /// The child of `node` along `byte`, or -1.
    @inline(__always)
    func child(of node: Int, _ byte: UInt8) -> Int {
        if node == 0 { return Int(rootChildren[Int(byte)]) }
        var low = Int(childStart[node])
        var high = low + Int(childCount[node])
        while low < high {
            let middle = (low + high) >> 1
            let label = labels[middle]
            if label == byte { return Int(children[middle]) }
            if label < byte { low = middle + 1 } else { high = middle }
        }
        return -1
    }
}
