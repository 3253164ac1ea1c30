import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks bench text --preset P [--prompts N] [--batch B] [--ids FILE] [--threads T] [--runs R] [--json]`.
struct BenchTextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Time a text tower's pooled output over a set of prompts (random weights of the real size).",
        discussion: """
            Prompts are token ids: by default N deterministic prompts of 6 to 18 tokens (start, content, end), padded to the
            model's length with its pad id as the tokenizer pads them (77 for CLIP, 64 for SigLIP); --ids reads
            {"input_ids": [[...]], "attention_mask": [[...]]} (JSON) instead. One timed run encodes every prompt, --batch
            prompts per forward pass. CLIP's causal attention lets a pass stop at its last end token; SigLIP runs all 64.
            """
    )

    @Option(help: "A preset: \(TextPreset.all.map(\.name).joined(separator: ", ")).") var preset = "clip-b-text"
    @Option(help: "Prompts per timed run (ignored with --ids).") var prompts = 1000
    @Option(help: "Prompts per forward pass.") var batch = 64
    @Option(help: "A JSON file of token ids (and attention masks) to encode instead of the generated prompts.") var ids: String?
    @Option(help: "Threads for BLAS and VLBlocks' kernels.") var threads = ComputeThreads.count
    @Option(help: "Timed runs (each encodes every prompt) after one warm-up batch.") var runs = 3
    @Flag(help: "Print one JSON line instead of a sentence.") var json = false

    func validate() throws {
        guard prompts > 0, batch > 0, runs > 0, threads > 0 else {
            throw ValidationError("--prompts, --batch, --runs and --threads must be positive")
        }
        guard prompts <= 1_000_000, batch <= 4096, runs <= 10_000, threads <= 1024 else {
            throw ValidationError("--prompts at most 1000000, --batch 4096, --runs 10000, --threads 1024")
        }
    }

    func run() throws {
        ComputeThreads.set(threads)
        let preset = try TextPreset.named(self.preset)
        let c = preset.configuration
        let (inputIDs, masks) = try ids.map { try Self.readIDs($0) } ?? Self.prompts(count: prompts, configuration: c)
        let tower = try TextTower.random(c)
        let batches = stride(from: 0, to: inputIDs.count, by: batch).map { $0..<min(inputIDs.count, $0 + batch) }
        let encode = { (batches: [Range<Int>]) in
            for range in batches {
                _ = try tower.encode(inputIDs: Array(inputIDs[range]), attentionMask: masks.map { Array($0[range]) },
                                     lastHiddenState: false)
            }
        }
        try encode(Array(batches.prefix(1)))  // warm-up: one batch
        let timing = try Timing.measure(runs: runs, warmup: 0) { try encode(batches) }
        let length = inputIDs.first?.count ?? 0
        let perSecond = Double(inputIDs.count) / timing.minimum * 1000
        if json {
            print(Format.jsonLine([
                ("preset", Format.jsonString(preset.name)), ("prompts", String(inputIDs.count)), ("length", String(length)),
                ("batch", String(batch)), ("threads", String(threads)), ("runs", String(runs)),
                ("min_ms", Format.fixed(timing.minimum)), ("median_ms", Format.fixed(timing.median)),
                ("prompts_per_s", Format.fixed(perSecond, 1)), ("params", String(tower.parameterCount)),
            ]))
        } else {
            print("\(preset.name): \(inputIDs.count) prompts of \(length) ids, batch \(batch), \(threads) threads: "
                  + "min \(Format.fixed(timing.minimum)) ms, median \(Format.fixed(timing.median)) ms, \(Format.fixed(perSecond, 0)) prompts/s")
        }
    }

    /// `count` prompts of 6 to 18 ids (CLIP: `<|startoftext|>` ... `<|endoftext|>`; SigLIP: ... `</s>`), padded to the
    /// model's length as its tokenizer pads them, with CLIP's attention masks.
    static func prompts(count: Int, configuration c: TextTransformerConfiguration) -> ([[Int]], [[Int]]?) {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        let length = c.maxPositions
        var ids: [[Int]] = [], masks: [[Int]] = []
        for _ in 0..<count {
            let content = (0..<(4 + next(13))).map { _ in 3 + next(c.vocabularySize - 1000) }
            let row = c.family == .clip ? [c.vocabularySize - 2] + content + [c.eosTokenID] : content + [c.eosTokenID]
            ids.append(Array((row + Array(repeating: c.eosTokenID, count: length)).prefix(length)))
            masks.append((0..<length).map { $0 < row.count ? 1 : 0 })
        }
        return (ids, c.family == .clip ? masks : nil)
    }

    static func readIDs(_ path: String) throws -> ([[Int]], [[Int]]?) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CommandFailure("\(path): \(error.localizedDescription)") }
        struct File: Decodable {
            var input_ids: [[Int]]
            var attention_mask: [[Int]]?
        }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            guard !file.input_ids.isEmpty else { throw CommandFailure("\(path): input_ids is empty") }
            return (file.input_ids, file.attention_mask)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(path): expected {\"input_ids\": [[...]], \"attention_mask\": [[...]]}: \(error)")
        }
    }
}

/// `vlblocks bench tokenize --checkpoint DIR [--corpus FILE] [--threads T] [--runs R] [--json]`.
struct BenchTokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Time a checkpoint's tokenizer over a corpus: texts/s, padded and truncated to the model's length.",
        discussion: """
            The corpus is a JSON array of strings, or an object with a "texts" array (the fixtures' corpus.json), or a text
            file with one text per line. The first pass (empty word cache) is reported separately; then the best of --runs.
            """
    )

    @Option(help: "A checkpoint folder with tokenizer files.") var checkpoint: String
    @Option(help: "The texts: JSON (array, or {\"texts\": [...]}) or one per line.") var corpus: String
    @Option(help: "Threads.") var threads = ComputeThreads.count
    @Option(help: "Timed runs after the first pass.") var runs = 5
    @Flag(help: "Print one JSON line instead of a sentence.") var json = false

    func validate() throws {
        guard runs > 0, threads > 0, runs <= 10_000, threads <= 1024 else { throw ValidationError("--runs and --threads: 1 to 10000 / 1024") }
    }

    func run() throws {
        let texts = try Self.readTexts(corpus)
        var tokenizer = try loadTokenizer(directory: checkpoint)
        tokenizer.maxConcurrency = threads
        let cold = Timing.measure(runs: 1, warmup: 0) { _ = tokenizer(texts, padding: .maxLength, truncation: true) }
        let warm = Timing.measure(runs: runs, warmup: 0) { _ = tokenizer(texts, padding: .maxLength, truncation: true) }
        let rate = Double(texts.count) / warm.minimum * 1000, coldRate = Double(texts.count) / cold.minimum * 1000
        if json {
            print(Format.jsonLine([
                ("checkpoint", Format.jsonString((checkpoint as NSString).lastPathComponent)), ("texts", String(texts.count)),
                ("threads", String(threads)), ("runs", String(runs)), ("min_ms", Format.fixed(warm.minimum)),
                ("texts_per_s", Format.fixed(rate, 1)), ("first_pass_texts_per_s", Format.fixed(coldRate, 1)),
            ]))
        } else {
            print("\(texts.count) texts, \(threads) threads: \(Format.fixed(rate, 0)) texts/s (first pass \(Format.fixed(coldRate, 0)) texts/s)")
        }
    }

    static func readTexts(_ path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CommandFailure("\(path): \(error.localizedDescription)") }
        if let object = try? JSONSerialization.jsonObject(with: data) {
            if let texts = object as? [String] { return texts }
            if let texts = (object as? [String: Any])?["texts"] as? [String] { return texts }
            throw CommandFailure("\(path): expected a JSON array of strings or {\"texts\": [...]}")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure("\(path): not UTF-8") }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }
}
