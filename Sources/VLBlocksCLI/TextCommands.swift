import ArgumentParser
import Foundation
import VLBlocks

/// One warning on stderr per command for texts longer than the model's length.
enum TruncationWarning {
    static func report(_ count: Int, maxLength: Int) {
        guard count > 0 else { return }
        FileHandle.standardError.write(Data("warning: \(count) text(s) longer than \(maxLength) tokens were truncated (keeping the end token)\n".utf8))
    }
}

/// A JSON string literal.
func jsonLiteral(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}

/// `vlblocks tokenize --checkpoint DIR --text T [--text T2 ...]`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize texts as the checkpoint's tokenizer does (CLIP byte-level BPE, SigLIP SentencePiece).",
        discussion: """
            Prints one JSON line per text: {"text": ..., "input_ids": [...], "attention_mask": [...]}, the ids padded to
            the model's length (77 CLIP, 64 SigLIP) and truncated keeping the end token, as transformers'
            AutoTokenizer(texts, padding="max_length", truncation=True) gives them; attention_mask is 0 on padding.
            """
    )

    @Option(help: "A checkpoint folder with tokenizer files (tokenizer.json or vocab.json + merges.txt; spiece.model).")
    var checkpoint: String
    @Option(help: "A text (repeatable).") var text: [String] = []

    func validate() throws {
        guard !text.isEmpty else { throw ValidationError("give at least one --text") }
    }

    func run() throws {
        let tokenizer = try loadTokenizer(directory: checkpoint)
        let batch = tokenizer(text, padding: .maxLength, truncation: true)
        for (index, item) in text.enumerated() {
            let ids = batch.inputIDs[index]
            let mask = ids.indices.map { $0 < batch.lengths[index] ? 1 : 0 }
            print("{\"text\": \(jsonLiteral(item)), \"input_ids\": [\(ids.map(String.init).joined(separator: ", "))], "
                  + "\"attention_mask\": [\(mask.map(String.init).joined(separator: ", "))]}")
        }
        TruncationWarning.report(text.filter { tokenizer.encode($0).count > tokenizer.maxLength }.count, maxLength: tokenizer.maxLength)
    }
}

/// Decodes and preprocesses images for a classifier, naming the file that fails.
private func embedImages(_ paths: [String], with classifier: ZeroShotClassifier) throws -> Tensor {
    let file = try classifier.images.embed(files: paths, batch: 8)
    if let failure = file.failed.first { throw CommandFailure("\(failure.path): \(failure.error)") }
    return file.embeddings
}

/// `vlblocks zero-shot --checkpoint DIR --image F [--image ...] --labels a,b,c [--template T] [--csv OUT]`.
struct ZeroShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero-shot",
        abstract: "Zero-shot classification with a CLIP or SigLIP checkpoint (both towers).",
        discussion: """
            Each label goes into --template at {}; per image, every label's probability (CLIP: softmax over the labels;
            SigLIP: sigmoid per pair), sorted, as a table. --csv writes image,label,probability rows (image as given).
            """
    )

    @Option(help: "A CLIPModel or SiglipModel checkpoint folder.") var checkpoint: String
    @Option(help: "An image (repeatable).") var image: [String] = []
    @Option(help: "Labels, comma-separated; quote a label that holds a comma (CSV).") var labels: String
    @Option(help: "The prompt for each label; {} is replaced by it.") var template = "{}"
    @Option(help: "Also write image,label,probability rows.") var csv: String?

    func validate() throws {
        guard !image.isEmpty else { throw ValidationError("give at least one --image") }
    }

    func run() throws {
        let items = (CSV.record(labels) ?? [""]).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !labels.isEmpty, !items.contains(where: \.isEmpty) else {
            throw CommandFailure("""
                --labels needs one or more non-empty labels separated by commas (CSV quoting for a label \
                with a comma: 'cat,"café, naïve"'), got '\(labels)'
                """)
        }
        let classifier = try ZeroShotClassifier.load(directory: checkpoint)
        let probabilities = try classifier.classify(images: try embedImages(image, with: classifier), labels: items, template: template)
        var rows = "image,label,probability\n"
        for (row, path) in image.enumerated() {
            print(path)
            let ranked = items.indices.map { (items[$0], probabilities[row, $0]) }.sorted { $0.1 > $1.1 }
            let width = items.map(\.count).max() ?? 0
            for (label, p) in ranked {
                print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(Format.fixed(Double(p), 4))")
                rows += "\(CSV.field(path)),\(CSV.field(label)),\(String(format: "%.6f", Double(p)))\n"
            }
        }
        if let csv { try Data(rows.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic) }
    }
}

/// `vlblocks similarity --checkpoint DIR --image F [--image ...] --texts FILE --csv OUT`.
struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Image-text scores (logits_per_image) of a CLIP or SigLIP checkpoint, as CSV.",
        discussion: """
            Header image,<text 1>,<text 2>,... (CSV-quoted), then one row per image in the order given:
            exp(logit_scale) * cosine (+ logit_bias for SigLIP). Texts: one per line of --texts.
            """
    )

    @Option(help: "A CLIPModel or SiglipModel checkpoint folder.") var checkpoint: String
    @Option(help: "An image (repeatable).") var image: [String] = []
    @Option(help: "A file of texts, one per line.") var texts: String
    @Option(help: "Where to write the matrix (CSV).") var csv: String

    func validate() throws {
        guard !image.isEmpty else { throw ValidationError("give at least one --image") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: texts) else { throw CommandFailure("\(texts): no such file or not readable") }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw CommandFailure("\(texts): no texts") }
        let classifier = try ZeroShotClassifier.load(directory: checkpoint)
        let (textFile, truncated) = try classifier.texts.embed(lines)
        TruncationWarning.report(truncated, maxLength: classifier.texts.maxLength)
        let logits = try classifier.logitsPerImage(images: try embedImages(image, with: classifier), texts: textFile.embeddings)
        var out = "image," + lines.map(CSV.field).joined(separator: ",") + "\n"
        for (row, path) in image.enumerated() {
            out += CSV.field(path) + "," + lines.indices.map { String(format: "%.6f", Double(logits[row, $0])) }.joined(separator: ",") + "\n"
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
    }
}
