import Foundation
import Testing
import VLBlocks
import VLTestSupport

/// `tokenize`, `embed --text`, `zero-shot` and `similarity` as a user runs them.
@Suite struct TextCommandTests {
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    @Test("tokenize prints one JSON line per text, padded, with the mask 0 on padding", arguments: ["clip", "siglip"])
    func tokenize(model: String) throws {
        let long = String(repeating: "a photo of a cat ", count: 40)
        let run = try CLIRunner.run(["tokenize", "--checkpoint", Fixtures.path("dual/\(model)"), "--text", "A photo of a cat.",
                                     "--text", "", "--text", long])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let length = model == "clip" ? 77 : 64
        for (line, text) in zip(lines, ["A photo of a cat.", "", long]) {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(json["text"] as? String == text)
            let ids = json["input_ids"] as! [Int], mask = json["attention_mask"] as! [Int]
            #expect(ids.count == length && mask.count == length)
            #expect(mask.contains(1) && (text == long) == !mask.contains(0))
        }
        #expect(run.stderr.contains("warning: 1 text(s) longer than \(length) tokens were truncated"))
    }

    @Test("embed --text / --texts writes normalised text embeddings with their metadata")
    func embedTexts() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "a cat\na rocket\n".write(toFile: folder + "/texts.txt", atomically: true, encoding: .utf8)
        var run = try CLIRunner.run(["embed", "--checkpoint", Fixtures.path("dual/clip"), "--texts", folder + "/texts.txt",
                                     "--output", folder + "/texts.safetensors"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try EmbeddingFile(reading: [folder + "/texts.safetensors"])
        #expect(file.kind == .texts && file.items == ["a cat", "a rocket"] && file.embedding == "clip.text_embeds")
        let norms = try file.embeddings.squared().sum(axis: 1).scalars
        #expect(norms.allSatisfy { abs($0 - 1) < 1e-5 })
        run = try CLIRunner.run(["embed", "--checkpoint", Fixtures.path("dual/siglip"), "--text", "a cat", "--output", folder + "/s.safetensors"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try EmbeddingFile(reading: [folder + "/s.safetensors"]).embedding == "siglip.pooler_output")
    }

    @Test("zero-shot: table, CSV equal to transformers' probabilities; similarity: the logits matrix", arguments: ["clip", "siglip"])
    func zeroShotAndSimilarity(model: String) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoint = Fixtures.path("dual/\(model)")
        let expected = try SafeTensorsFile(path: checkpoint + "/expected.safetensors")
        let images = try JSONDecoder().decode([String].self, from: Data(expected.metadata["images"]!.utf8)).map { Fixtures.path("images/" + $0) }
        let labels = try JSONDecoder().decode([String].self, from: Data(expected.metadata["labels"]!.utf8))
        var arguments = ["zero-shot", "--checkpoint", checkpoint, "--labels", labels.map(Self.csvField).joined(separator: ","),
                         "--template", expected.metadata["template"]!, "--csv", folder + "/zero.csv"]
        for image in images { arguments += ["--image", image] }
        var run = try CLIRunner.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(images[0]) && run.stdout.contains("cup of coffee"))
        let probs = try expected["probs"]
        let rows = try String(contentsOfFile: folder + "/zero.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "image,label,probability" && rows.count == 1 + images.count * labels.count)
        for row in rows.dropFirst() {
            let fields = CSVLine.parse(String(row))
            let i = images.firstIndex(of: fields[0])!, j = labels.firstIndex(of: fields[1])!
            #expect(abs(Float(fields[2])! - probs[i, j]) <= 1e-4 * max(1, abs(probs[i, j])) + 1e-6, "\(fields)")
        }
        try labels.joined(separator: "\n").write(toFile: folder + "/texts.txt", atomically: true, encoding: .utf8)
        arguments = ["similarity", "--checkpoint", checkpoint, "--texts", folder + "/texts.txt", "--csv", folder + "/sim.csv"]
        for image in images { arguments += ["--image", image] }
        run = try CLIRunner.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let matrix = try String(contentsOfFile: folder + "/sim.csv", encoding: .utf8).split(separator: "\n")
        #expect(CSVLine.parse(String(matrix[0])) == ["image"] + labels)
        // Raw prompts (no template) here: compare the shape and the order of the rows only.
        #expect(matrix.count == 1 + images.count && CSVLine.parse(String(matrix[1]))[0] == images[0])
    }

    @Test("Bad text inputs: empty labels, missing tokenizer files, bad merges, one-tower folders; exit 1")
    func errors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = Fixtures.path("dual/clip"), image = Fixtures.path("images/coffee.jpg")
        // A copy of the checkpoint whose merges produce a token the vocabulary lacks.
        try FileManager.default.copyItem(atPath: clip, toPath: folder + "/badmerges")
        try "#version: 0.2\nq z\n".write(toFile: folder + "/badmerges/merges.txt", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: clip, toPath: folder + "/notokenizer")
        for file in ["vocab.json", "merges.txt"] { try FileManager.default.removeItem(atPath: folder + "/notokenizer/" + file) }
        let cases: [([String], String)] = [
            (["zero-shot", "--checkpoint", clip, "--image", image, "--labels", ""], "--labels"),
            (["zero-shot", "--checkpoint", clip, "--image", image, "--labels", "cat,,dog"], "--labels"),
            (["zero-shot", "--checkpoint", clip, "--image", image, "--labels", "cat,\"dog"], "--labels"),
            (["tokenize", "--checkpoint", folder + "/notokenizer", "--text", "a"], "vocab.json"),
            (["tokenize", "--checkpoint", folder + "/badmerges", "--text", "a"], "merges.txt"),
            (["zero-shot", "--checkpoint", Fixtures.path("embeddings/dinov2"), "--image", image, "--labels", "cat"], "no text tower"),
            (["embed", "--checkpoint", Fixtures.path("embeddings/siglip"), "--text", "a cat", "--output", folder + "/x.safetensors"], "no text tower"),
            (["embed", "--checkpoint", Fixtures.path("text/clip_text"), "--images", image, "--output", folder + "/x.safetensors"], "no image tower"),
        ]
        for (arguments, message) in cases {
            let run = try CLIRunner.run(arguments)
            #expect(run.status == 1 && !run.terminatedBySignal, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
    }
}

/// Splits one CSV line (RFC 4180 quoting).
enum CSVLine {
    static func parse(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = Array(line)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
        }
        return fields + [field]
    }
}
