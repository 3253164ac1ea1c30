import Foundation

/// A thread-safe cache from a word's UTF-8 bytes to its BPE token ids, shared by all copies of a
/// `CLIPTokenizer`.
///
/// Like the Rust crate's cache it never blocks: a thread that finds the lock taken simply skips the
/// cache for that word. It stops growing at `capacity` entries, and only words up to
/// `maximumWordLength` bytes are stored. The lock is an `NSLock` (a pthread mutex, which ThreadSanitizer
/// sees; the standard library's `Mutex` locks through futex calls it cannot see).
final class BPECache: @unchecked Sendable {
    let capacity: Int
    let maximumWordLength: Int
    private let lock = NSLock()
    private var storage: [[UInt8]: [Int32]] = [:]

    init(capacity: Int = 50_000, maximumWordLength: Int = 64) {
        self.capacity = capacity
        self.maximumWordLength = maximumWordLength
    }

    func lookup(_ word: [UInt8]) -> [Int32]? {
        guard lock.try() else { return nil }
        defer { lock.unlock() }
        return storage[word]
    }

    func store(_ word: [UInt8], _ ids: [Int32]) {
        guard word.count <= maximumWordLength else { return }
        guard lock.try() else { return }
        defer { lock.unlock() }
        if storage.count < capacity { storage[word] = ids }
    }

    /// Number of cached words.
    var count: Int { lock.withLock { storage.count } }

    func removeAll() { lock.withLock { storage.removeAll() } }
}
