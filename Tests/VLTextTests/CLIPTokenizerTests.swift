import Foundation
import Testing
import VLText

@Suite("CLIPTokenizer matches transformers 5.23")
struct CLIPTokenizerTests {
    static let expected = Fixtures.expected(Fixtures.path("clip-expected.json"))

    /// Checks a full padded batch against the fixture: ids, padding with the pad id, and the mask.
    func check(_ tokenizer: CLIPTokenizer, label: String) throws {
        let expected = try #require(Self.expected)
        let texts = Fixtures.corpus
        #expect(texts.count >= 2000)
        #expect(tokenizer.maxLength == expected.maxLength)
        #expect(tokenizer.padTokenID == expected.padID)
        let batch = tokenizer(texts, padding: .maxLength, truncation: true)
        var unpadded: [[Int]] = []
        for (index, row) in batch.inputIDs.enumerated() {
            let length = batch.lengths[index]
            #expect(row.count == expected.maxLength)
            #expect(row[length...].allSatisfy { $0 == expected.padID })
            #expect(batch.attentionMask[index] == Array(repeating: 1, count: length) + Array(repeating: 0, count: row.count - length))
            unpadded.append(Array(row[..<length]))
        }
        expectRows(unpadded, match: expected.ids, texts: texts, label: label)
    }

    @Test("vocab.json + merges.txt folder: every corpus text")
    func vocabularyFolder() throws {
        let tokenizer = try CLIPTokenizer(directory: Fixtures.path("clip-vocab"))
        try check(tokenizer, label: "clip-vocab")
    }

    @Test("tokenizer.json folder: every corpus text")
    func tokenizerJSONFolder() throws {
        let tokenizer = try CLIPTokenizer(directory: Fixtures.path("clip-json"))
        try check(tokenizer, label: "clip-json")
    }

    @Test("single-threaded, two-threaded and one-by-one encoding agree")
    func concurrencyAgrees() throws {
        var tokenizer = try CLIPTokenizer(directory: Fixtures.path("clip-vocab"))
        let texts = Fixtures.corpus
        tokenizer.maxConcurrency = 1
        let single = tokenizer(texts, padding: .none, truncation: false)
        tokenizer.maxConcurrency = 2
        let double = tokenizer(texts, padding: .none, truncation: false)
        #expect(single == double)
        for (index, text) in texts.enumerated().prefix(300) {
            #expect(tokenizer.encode(text) == single.inputIDs[index])
        }
    }

    @Test("special token ids and lengths come from the files")
    func specialTokens() throws {
        let tokenizer = try CLIPTokenizer(directory: Fixtures.path("clip-vocab"))
        #expect(tokenizer.bosTokenID == 3512)
        #expect(tokenizer.eosTokenID == 3513)
        #expect(tokenizer.padTokenID == 3513)
        #expect(tokenizer.maxLength == 77)
        #expect(tokenizer.encode("") == [3512, 3513])
        #expect(tokenizer.encode("<|endoftext|>") == [3512, 3513, 3513])
    }

    @Test("padding .longest and .none, truncation off")
    func paddingModes() throws {
        let tokenizer = try CLIPTokenizer(directory: Fixtures.path("clip-vocab"))
        let texts = ["a photo of a cat", "", String(repeating: "dog ", count: 100)]
        let none = tokenizer(texts, padding: .none, truncation: false)
        #expect(none.inputIDs.map(\.count) == none.lengths)
        #expect(none.lengths[2] == 102)
        let longest = tokenizer(texts, padding: .longest, truncation: true)
        #expect(longest.inputIDs.allSatisfy { $0.count == 77 })
        #expect(longest.inputIDs[2].last == tokenizer.eosTokenID)
        let short = tokenizer(Array(texts.prefix(2)), padding: .longest, truncation: true)
        #expect(short.inputIDs.allSatisfy { $0.count == short.lengths[0] })
        #expect(short.attentionMask[1] == [1, 1] + Array(repeating: 0, count: short.lengths[0] - 2))
    }

    @Test("in-memory vocabulary with a custom pad token")
    func inMemory() throws {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 {
            let character = String(Self.byteCharacter(UInt8(byte)))
            vocabulary[character] = byte
            vocabulary[character + "</w>"] = 256 + byte
        }
        vocabulary["ca"] = 512
        vocabulary["cat</w>"] = 513
        vocabulary["<|startoftext|>"] = 514
        vocabulary["<|endoftext|>"] = 515
        let tokenizer = try CLIPTokenizer(vocabulary: vocabulary, merges: [("c", "a"), ("ca", "t</w>")],
                                          maxLength: 6, padToken: "!")
        #expect(tokenizer.padTokenID == 33)  // "!" is byte 0x21 here
        #expect(tokenizer.encode("Cat cats") == [514, 513, 512, 116, 256 + 115, 515])
        let batch = tokenizer(["cat", "cat cat cat cat cat"])
        #expect(batch.inputIDs == [[514, 513, 515, 33, 33, 33], [514, 513, 513, 513, 513, 515]])
        #expect(batch.attentionMask == [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]])
    }

    static func byteCharacter(_ byte: UInt8) -> Character {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        if printable.contains(Int(byte)) { return Character(Unicode.Scalar(byte)) }
        let offset = (0..<Int(byte)).filter { !printable.contains($0) }.count
        return Character(Unicode.Scalar(UInt32(256 + offset))!)
    }

    /// Optional one-off run against CLIP's real 49408-entry vocabulary, built by
    /// `make_tokenizer_fixtures.py --real-clip DIR` (not committed: set VLTEXT_REAL_CLIP_DIR=DIR).
    @Test("real 49408-entry CLIP vocabulary", .enabled(if: ProcessInfo.processInfo.environment["VLTEXT_REAL_CLIP_DIR"] != nil))
    func realVocabulary() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["VLTEXT_REAL_CLIP_DIR"])
        let expected = try #require(Fixtures.expected(folder + "/expected.json"))
        let texts = try #require(Fixtures.json(folder + "/corpus.json")?["texts"] as? [String])
        let tokenizer = try CLIPTokenizer(directory: folder)
        #expect(tokenizer.padTokenID == expected.padID && tokenizer.bosTokenID == 49406 && tokenizer.eosTokenID == 49407)
        let batch = tokenizer(texts)
        let rows = batch.inputIDs.enumerated().map { Array($0.element[..<batch.lengths[$0.offset]]) }
        expectRows(rows, match: expected.ids, texts: texts, label: "real CLIP")
    }
}
