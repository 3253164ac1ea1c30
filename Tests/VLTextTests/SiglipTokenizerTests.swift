import Foundation
import Testing
import VLText

@Suite("SiglipTokenizer matches transformers 5.23")
struct SiglipTokenizerTests {
    func check(folder: String, expectedFile: String) throws {
        let expected = try #require(Fixtures.expected(Fixtures.path(expectedFile)))
        let texts = Array(Fixtures.corpus.prefix(expected.ids.count))
        let tokenizer = try SiglipTokenizer(directory: Fixtures.path(folder))
        #expect(tokenizer.maxLength == expected.maxLength)
        #expect(tokenizer.padTokenID == expected.padID)
        #expect(!tokenizer.returnsAttentionMask)
        let batch = tokenizer(texts, padding: .maxLength, truncation: true)
        var unpadded: [[Int]] = []
        for (index, row) in batch.inputIDs.enumerated() {
            let length = batch.lengths[index]
            #expect(row.count == expected.maxLength)
            #expect(row[length...].allSatisfy { $0 == expected.padID })
            #expect(batch.attentionMask[index] == Array(repeating: 1, count: row.count))
            unpadded.append(Array(row[..<length]))
        }
        expectRows(unpadded, match: expected.ids, texts: texts, label: folder)
    }

    @Test("nmt_nfkc model shaped like google/siglip-base-patch16-224: every corpus text")
    func siglip() throws {
        try check(folder: "siglip", expectedFile: "siglip-expected.json")
    }

    @Test("identity normalisation, byte fallback, user symbols, legacy=false, no lowercasing")
    func variant() throws {
        try check(folder: "siglip-variant", expectedFile: "siglip-variant-expected.json")
    }

    @Test("special tokens, eos handling and truncation")
    func specialTokens() throws {
        let tokenizer = try SiglipTokenizer(directory: Fixtures.path("siglip"))
        #expect(tokenizer.eosTokenID == 1 && tokenizer.padTokenID == 1 && tokenizer.unknownTokenID == 2)
        #expect(tokenizer.maxLength == 64 && tokenizer.lowercases)
        #expect(tokenizer.encode("") == [1])
        #expect(tokenizer.encode("</s>") == [1])  // already ends with eos: not added again
        let long = tokenizer([String(repeating: "photo ", count: 200)], padding: .maxLength, truncation: true)
        #expect(long.inputIDs[0].count == 64 && long.inputIDs[0].last == 1 && long.lengths[0] == 64)
        let untruncated = tokenizer([String(repeating: "photo ", count: 200)], padding: .maxLength, truncation: false)
        #expect(untruncated.inputIDs[0].count == 201)
    }

    @Test("concurrent and sequential batches agree")
    func concurrencyAgrees() throws {
        var tokenizer = try SiglipTokenizer(directory: Fixtures.path("siglip"))
        tokenizer.maxConcurrency = 1
        let single = tokenizer(Fixtures.corpus, padding: .none)
        tokenizer.maxConcurrency = 2
        #expect(single == tokenizer(Fixtures.corpus, padding: .none))
    }
}
