import Dispatch
import Synchronization

/// Padding of already truncated rows into a `TokenizedBatch`, shared by both tokenizers.
enum BatchAssembly {
    /// Pads `rows` (each already holding its special tokens and truncated) as transformers' `pad` does.
    /// - Parameter maskOnPadding: the attention-mask value written on padding positions
    ///   (0 for CLIP; SigLIP uses 1, see `SiglipTokenizer`).
    static func assemble(_ rows: [[Int]], padding: Padding, maxLength: Int, padID: Int, side: Side,
                         maskOnPadding: Int) -> TokenizedBatch {
        let lengths = rows.map(\.count)
        let target: Int
        switch padding {
        case .none: target = 0
        case .longest: target = lengths.max() ?? 0
        case .maxLength: target = maxLength
        }
        var ids: [[Int]] = []
        var masks: [[Int]] = []
        ids.reserveCapacity(rows.count)
        masks.reserveCapacity(rows.count)
        for row in rows {
            let missing = max(0, target - row.count)
            let mask = [Int](repeating: 1, count: row.count)
            if missing == 0 {
                ids.append(row)
                masks.append(mask)
            } else if side == .right {
                ids.append(row + [Int](repeating: padID, count: missing))
                masks.append(mask + [Int](repeating: maskOnPadding, count: missing))
            } else {
                ids.append([Int](repeating: padID, count: missing) + row)
                masks.append([Int](repeating: maskOnPadding, count: missing) + mask)
            }
        }
        return TokenizedBatch(inputIDs: ids, attentionMask: masks, lengths: lengths)
    }
}

/// Runs `transform` over `0..<count` on up to `concurrency` threads.
///
/// Each thread creates its own `State` once (scratch buffers, a local cache) and takes indices in
/// blocks from a shared atomic counter, so uneven texts still balance. Results keep input order.
func concurrentMap<State, Result>(
    count: Int, concurrency: Int, blockSize: Int = 16,
    makeState: @Sendable () -> State,
    transform: @Sendable (inout State, Int) -> Result
) -> [Result] {
    let threads = min(max(1, concurrency), max(1, (count + blockSize - 1) / blockSize))
    if threads == 1 {
        var state = makeState()
        return (0..<count).map { transform(&state, $0) }
    }
    let storage = UnsafeMutableBufferPointer<Result?>.allocate(capacity: count)
    storage.initialize(repeating: nil)
    defer { storage.deallocate() }
    let slots = UncheckedSendable(storage)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        var state = makeState()
        while true {
            let start = next.add(blockSize, ordering: .relaxed).oldValue
            if start >= count { break }
            for index in start..<min(count, start + blockSize) {
                slots.value[index] = transform(&state, index)
            }
        }
    }
    var results: [Result] = []
    results.reserveCapacity(count)
    for index in 0..<count {
        // Every index in 0..<count was written exactly once above.
        if let value = storage[index] { results.append(value) }
    }
    storage.deinitialize()
    return results
}

/// Carries a value into concurrent code when the access pattern is known to be race free
/// (here: each index of a buffer is written by exactly one thread, and read after all joined).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
