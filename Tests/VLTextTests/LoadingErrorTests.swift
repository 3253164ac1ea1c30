import Foundation
import Testing
import VLText

@Suite("Loading errors are typed and name the file")
struct LoadingErrorTests {
    static let smallVocabulary = #"{"a": 0, "b": 1, "a</w>": 2, "b</w>": 3, "ab</w>": 4, "<|startoftext|>": 5, "<|endoftext|>": 6}"#

    @Test("CLIP: a folder without vocabulary files")
    func clipMissingFiles() throws {
        let folder = try Fixtures.temporaryFolder([:])
        defer { Fixtures.remove(folder) }
        #expect(throws: TokenizerError.missingFile(path: folder + "/vocab.json",
                                                   reason: "the folder has neither tokenizer.json nor vocab.json")) {
            try CLIPTokenizer(directory: folder)
        }
        let onlyVocabulary = try Fixtures.temporaryFolder(["vocab.json": Array(Self.smallVocabulary.utf8)])
        defer { Fixtures.remove(onlyVocabulary) }
        do {
            _ = try CLIPTokenizer(directory: onlyVocabulary)
            Issue.record("expected an error")
        } catch {
            guard case .missingFile(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path.hasSuffix("/merges.txt"))
            #expect(error.description.contains("merges.txt"))
        }
    }

    @Test("CLIP: a merge whose result is not in the vocabulary")
    func clipMergeResultMissing() throws {
        let folder = try Fixtures.temporaryFolder([
            "vocab.json": Array(Self.smallVocabulary.utf8),
            "merges.txt": Array("#version: 0.2\na b</w>\nb a</w>\n".utf8),
        ])
        defer { Fixtures.remove(folder) }
        #expect(throws: TokenizerError.invalidMerges(path: folder + "/merges.txt", line: 2,
                                                     reason: "the merge result \"ba</w>\" is not in the vocabulary")) {
            try CLIPTokenizer(directory: folder)
        }
        #expect(throws: TokenizerError.self) {
            try CLIPTokenizer(vocabulary: ["a": 0, "b": 1], merges: [("a", "c")])
        }
    }

    @Test("CLIP: malformed merges lines, vocabulary values and JSON")
    func clipMalformedFiles() throws {
        let badLine = try Fixtures.temporaryFolder([
            "vocab.json": Array(Self.smallVocabulary.utf8),
            "merges.txt": Array("#version: 0.2\na b</w>\n\na  b\n".utf8),
        ])
        defer { Fixtures.remove(badLine) }
        #expect(throws: TokenizerError.invalidMerges(path: badLine + "/merges.txt", line: 3,
                                                     reason: "expected two tokens separated by one space, found \"\"")) {
            try CLIPTokenizer(directory: badLine)
        }
        let badValue = try Fixtures.temporaryFolder([
            "vocab.json": Array(#"{"a": "zero"}"#.utf8), "merges.txt": Array("#version: 0.2\n".utf8),
        ])
        defer { Fixtures.remove(badValue) }
        do {
            _ = try CLIPTokenizer(directory: badValue)
            Issue.record("expected an error")
        } catch {
            guard case .invalidVocabulary(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == badValue + "/vocab.json")
        }
        let badJSON = try Fixtures.temporaryFolder(["tokenizer.json": Array("{\"model\": {".utf8)])
        defer { Fixtures.remove(badJSON) }
        do {
            _ = try CLIPTokenizer(directory: badJSON)
            Issue.record("expected an error")
        } catch {
            guard case .malformedJSON(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == badJSON + "/tokenizer.json")
        }
        let badConfig = try Fixtures.temporaryFolder([
            "vocab.json": Array(Self.smallVocabulary.utf8), "merges.txt": Array("a b</w>\n".utf8),
            "tokenizer_config.json": Array(#"{"model_max_length": "long"}"#.utf8),
        ])
        defer { Fixtures.remove(badConfig) }
        #expect(throws: TokenizerError.invalidConfiguration(path: badConfig + "/tokenizer_config.json",
                                                            reason: "\"model_max_length\" is not an integer")) {
            try CLIPTokenizer(directory: badConfig)
        }
    }

    @Test("SigLIP: missing spiece.model")
    func siglipMissingModel() throws {
        let folder = try Fixtures.temporaryFolder([:])
        defer { Fixtures.remove(folder) }
        #expect(throws: TokenizerError.missingFile(path: folder + "/spiece.model",
                                                   reason: "a SigLIP tokenizer folder needs spiece.model")) {
            try SiglipTokenizer(directory: folder)
        }
    }

    /// Loads `bytes` as a spiece.model; returns the error, or nil when it loaded (then it must encode).
    func load(_ bytes: [UInt8]) throws -> TokenizerError? {
        let folder = try Fixtures.temporaryFolder(["spiece.model": bytes])
        defer { Fixtures.remove(folder) }
        do {
            let tokenizer = try SiglipTokenizer(directory: folder)
            _ = tokenizer(["a photo of a cat", "Ｈｅｌｌｏ ①", "東京 😀", ""])
            return nil
        } catch {
            #expect(error.path == folder + "/spiece.model")
            return error
        }
    }

    @Test("SigLIP: empty, garbage and truncated spiece.model throw instead of crashing")
    func siglipGarbageModel() throws {
        let model = try FixtureFile.bytes(Fixtures.path("siglip/spiece.model"))
        #expect(try load([]) != nil)
        #expect(try load(Array("this is not a protobuf at all".utf8)) != nil)
        var generator = SplitMix64(seed: 7)
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(try load(garbage) != nil)
        // Every cut inside the pieces and specs must be reported (the last few hundred bytes are the
        // normalizer spec; a cut there can still leave a loadable model, which must then encode).
        var errors = 0
        for length in stride(from: 1, to: model.count, by: 997) {
            if case .invalidModel? = try load(Array(model[..<length])) { errors += 1 }
        }
        #expect(errors > 0)
    }

    @Test("SigLIP: corrupted bytes never crash loading or encoding")
    func siglipCorruptedModel() throws {
        let model = try FixtureFile.bytes(Fixtures.path("siglip/spiece.model"))
        var generator = SplitMix64(seed: 11)
        for _ in 0..<40 {
            var corrupted = model
            for _ in 0..<8 {
                let index = Int.random(in: 0..<corrupted.count, using: &generator)
                corrupted[index] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try load(corrupted)
        }
    }
}

/// Reads a fixture file for the tests.
enum FixtureFile {
    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: path)))
    }
}

/// A small seeded generator so the garbage inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
