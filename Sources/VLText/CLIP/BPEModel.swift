/// The byte-level BPE model of CLIP (`tokenizers.models.BPE` with `end_of_word_suffix="</w>"`,
/// `continuing_subword_prefix=""`, `fuse_unk=False`, no dropout).
struct BPEModel: Sendable {
    /// Id of the single-byte symbol for each byte, -1 when it is not in the vocabulary.
    let byteSymbols: [Int32]
    /// Id of the byte symbol followed by `</w>` (a word's last symbol), -1 when absent.
    let finalByteSymbols: [Int32]
    /// Id given to symbols missing from the vocabulary (the unknown token), -1 when there is none.
    let unknownID: Int32
    let mergeTable: MergeTable

    static let endOfWordSuffix = "</w>"

    /// Builds the model from a vocabulary and ordered merges.
    /// - Parameter source: file name used in error messages.
    init(vocabulary: [String: Int], merges: [(String, String)], unknownToken: String,
         source: String, mergesSource: String) throws(TokenizerError) {
        // Exact (byte-wise) keys: Swift `String` equality is canonical equivalence, the Rust crate's is not.
        var exact: [[UInt8]: Int32] = [:]
        exact.reserveCapacity(vocabulary.count)
        for (token, id) in vocabulary {
            guard let id32 = Int32(exactly: id), id32 >= 0 else {
                throw .invalidVocabulary(path: source, reason: "token \"\(token)\" has id \(id), expected 0...\(Int32.max)")
            }
            exact[Array(token.utf8)] = id32
        }
        var bytes = [Int32](repeating: -1, count: 256)
        var finals = [Int32](repeating: -1, count: 256)
        let suffix = Array(Self.endOfWordSuffix.utf8)
        for byte in 0..<256 {
            let symbol = Array(String(ByteLevel.characters[byte]).utf8)
            bytes[byte] = exact[symbol] ?? -1
            finals[byte] = exact[symbol + suffix] ?? -1
        }
        byteSymbols = bytes
        finalByteSymbols = finals
        unknownID = exact[Array(unknownToken.utf8)] ?? -1
        if unknownID < 0 && (bytes.contains(-1) || finals.contains(-1)) {
            throw .invalidVocabulary(
                path: source,
                reason: "some byte symbols are missing and the unknown token \"\(unknownToken)\" is not in the vocabulary")
        }
        var table = MergeTable(capacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            let line = rank + 1
            guard let leftID = exact[Array(left.utf8)] else {
                throw .invalidMerges(path: mergesSource, line: line, reason: "\"\(left)\" is not in the vocabulary")
            }
            guard let rightID = exact[Array(right.utf8)] else {
                throw .invalidMerges(path: mergesSource, line: line, reason: "\"\(right)\" is not in the vocabulary")
            }
            guard let mergedID = exact[Array(left.utf8) + Array(right.utf8)] else {
                throw .invalidMerges(path: mergesSource, line: line,
                                     reason: "the merge result \"\(left + right)\" is not in the vocabulary")
            }
            guard let rank32 = Int32(exactly: rank) else {
                throw .invalidMerges(path: mergesSource, line: line, reason: "too many merges")
            }
            table.insert(leftID, rightID, rank: rank32, result: mergedID)
        }
        mergeTable = table
    }

    /// Appends the BPE token ids of one word (its UTF-8 bytes) to `output`, using `symbols` as scratch.
    @inline(__always)
    func encodeWord(_ word: [UInt8], symbols: inout [Int32]) {
        symbols.removeAll(keepingCapacity: true)
        let last = word.count - 1
        for (index, byte) in word.enumerated() {
            let id = index == last ? finalByteSymbols[Int(byte)] : byteSymbols[Int(byte)]
            // Missing symbols become the unknown token, one per byte (fuse_unk=False).
            symbols.append(id >= 0 ? id : unknownID)
        }
        BytePairMerger.merge(&symbols, table: mergeTable)
    }
}
