import Synchronization

/// A thread-safe cache from a word's UTF-8 bytes to its BPE token ids, shared by all copies of a
/// `CLIPTokenizer`.
///
/// Like the Rust crate's cache it never blocks: a thread that finds the lock taken simply skips the
/// cache for that word. It stops growing at `capacity` entries, and only words up to
/// `maximumWordLength` bytes are stored.
final class BPECache: Sendable {
    let capacity: Int
    let maximumWordLength: Int
    private let storage = Mutex<[[UInt8]: [Int32]]>([:])

    init(capacity: Int = 50_000, maximumWordLength: Int = 64) {
        self.capacity = capacity
        self.maximumWordLength = maximumWordLength
    }

    func lookup(_ word: [UInt8]) -> [Int32]? {
        storage.withLockIfAvailable { $0[word] } ?? nil
    }

    func store(_ word: [UInt8], _ ids: [Int32]) {
        guard word.count <= maximumWordLength else { return }
        _ = storage.withLockIfAvailable { cache in
            if cache.count < capacity { cache[word] = ids }
        }
    }

    /// Number of cached words.
    var count: Int { storage.withLock { $0.count } }

    func removeAll() { storage.withLock { $0.removeAll() } }
}
