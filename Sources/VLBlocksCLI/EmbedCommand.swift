import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks embed --checkpoint DIR --images PATH [PATH ...] --output E.safetensors [--batch N] [--shard I/N] [--quiet]`.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed an image collection (or texts) with a CLIP, SigLIP or DINOv2 checkpoint.",
        discussion: """
            Images: each PATH is an image file or a folder searched recursively for .png, .jpg, .jpeg, .webp, .gif, .bmp,
            .tif and .tiff (any case); the list is sorted by path (bytewise). Each file is decoded by its bytes, not its
            name, as Pillow 13 reads it, and preprocessed as the checkpoint's preprocessor_config.json says. The output holds embeddings [N, D] (fp32, L2-normalised) and metadata: images (JSON array of the
            paths), embedding (clip.image_embeds, clip.pooler_output, siglip.pooler_output or dinov2.cls), checkpoint,
            failed (JSON array of {"path", "error"} for files that could not be decoded: skipped, never fatal).
            --shard I/N embeds the I-th of N contiguous near-equal slices of the sorted list; the shards' embeddings
            concatenated in order equal one unsharded run bit for bit. Exit 0 when at least one image was embedded.
            Texts: --text (repeatable) or --texts FILE (one per line) with a CLIP or SigLIP checkpoint that has a text
            tower; metadata texts and embedding clip.text_embeds, clip.pooler_output or siglip.pooler_output.
            """
    )

    @Option(help: "A Hugging Face checkpoint folder.") var checkpoint: String
    @Option(parsing: .upToNextOption, help: "Image files or folders.") var images: [String] = []
    @Option(help: "A text to embed (repeatable).") var text: [String] = []
    @Option(help: "A file of texts, one per line.") var texts: String?
    @Option(help: "Where to write the embeddings (safetensors; written at the end, atomically).") var output: String
    @Option(help: "Images (default 8) or texts (64) per forward pass.") var batch: Int?
    @Option(help: "Threads for VLBlocks' kernels (default: all cores).") var threads: Int?
    @Option(help: "Embed the I-th of N slices of the sorted image list (0-based), e.g. 3/16.") var shard: String?
    @Option(help: "16-bit grey images: clip (as Pillow and the pipelines) or scale (the high byte).")
    var grey16: RGBImage.Grey16Handling = .clip
    @Option(help: precisionHelp) var precision: Precision = .float32
    @Flag(help: "No progress line.") var quiet = false

    func validate() throws {
        let inputs = [!images.isEmpty, !text.isEmpty, texts != nil].filter { $0 }.count
        guard inputs == 1 else { throw ValidationError("give --images, or --text / --texts (one kind of input)") }
        if let batch, !(1...4096).contains(batch) { throw ValidationError("--batch must be between 1 and 4096") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
        if let shard { _ = try Self.slice(shard, option: "--shard") }
    }

    /// Parses `I/N` with `0 <= I < N`.
    static func slice(_ text: String, option: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, (0..<count).contains(index) else {
            throw ValidationError("\(option) takes I/N with 0 <= I < N, e.g. 0/4; got '\(text)'")
        }
        return (index, count)
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        if images.isEmpty {
            try embedTexts()
            return
        }
        let embedder = try ImageEmbedder.load(directory: checkpoint, precision: precision)
        var collection = try ImageCollection(searching: images)
        if let shard {
            let (index, count) = try Self.slice(shard, option: "--shard")
            collection = try collection.shard(index, of: count)
        }
        let progress = quiet ? nil : RateProgress(total: collection.paths.count, unit: "images")
        let start = Date()
        let result = try embedder.embed(files: collection.paths, batch: batch ?? 8, grey16: grey16) { done, total in progress?.update(done) }
        progress?.finish()
        if !quiet {
            let seconds = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data(("embedded \(result.items.count) images in \(Format.fixed(seconds, 2)) s "
                                                 + "(\(Format.fixed(Double(result.items.count) / max(seconds, 1e-9), 2)) images/s, after loading)\n").utf8))
        }
        for failure in result.failed {
            FileHandle.standardError.write(Data("skipped \(failure.path): \(failure.error)\n".utf8))
        }
        guard !result.items.isEmpty else {
            throw CommandFailure("no image could be embedded (\(result.failed.count) failed)")
        }
        try result.write(to: output)
    }

    func embedTexts() throws {
        var all = text
        if let texts {
            guard let data = FileManager.default.contents(atPath: texts) else { throw CommandFailure("\(texts): no such file or not readable") }
            all += String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if all.last == "" { all.removeLast() }
        }
        guard !all.isEmpty else { throw CommandFailure("no texts to embed") }
        let embedder = try TextEmbedder.load(directory: checkpoint, precision: precision)
        let (file, truncated) = try embedder.embed(all, batch: batch ?? 64)
        TruncationWarning.report(truncated, maxLength: embedder.maxLength)
        try file.write(to: output)
    }
}


/// A self-overwriting progress line on stderr when it is a terminal: done / total, rate, ETA.
final class RateProgress {
    let total: Int
    let unit: String
    let start = Date()
    let line = ProgressLine()

    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
    }

    func update(_ done: Int) {
        guard line.interactive else { return }
        let seconds = Date().timeIntervalSince(start)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        line.show("\(done)/\(total) \(unit), \(Format.fixed(rate, 1)) \(unit)/s, ETA \(Int(eta.rounded())) s")
    }

    func finish() { line.finish() }
}
