import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks blind-pairs --clip C.safetensors --dino D.safetensors --csv P.csv [--report R.html] [--block I/N]`.
struct BlindPairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blind-pairs",
        abstract: "Mine CLIP-blind pairs: images CLIP sees as alike (cosine > --clip-min) and DINOv2 as different (< --dino-max).",
        discussion: """
            Several files per flag are shards, concatenated in order; both sides must list the same images in the
            same order (metadata images). A pair (i < j) is CLIP-blind when clip_cosine > --clip-min and dino_cosine <
            --dino-max, each the fp32 dot product of the stored normalised embeddings, computed by tiles of the
            similarity matrix through GEMM (never an N x N matrix in memory). The CSV (header
            image_a,image_b,clip_cosine,dino_cosine) is sorted by clip_cosine descending, then dino_cosine ascending,
            then image_a's and image_b's index; image_a is the earlier image. --block I/N keeps the pairs whose first
            image lies in the I-th of N contiguous near-equal row ranges: the N blocks' rows together are the full
            result. --report writes a self-contained HTML page (thumbnails, a histogram of both cosines, PCA maps).
            """
    )

    @Option(help: "CLIP embeddings (safetensors from `vlblocks embed`; repeat for shards).") var clip: [String] = []
    @Option(help: "DINOv2 embeddings (repeat for shards).") var dino: [String] = []
    @Option(help: "A pair needs a CLIP cosine above this.") var clipMin: Float = 0.95
    @Option(help: "A pair needs a DINOv2 cosine below this.") var dinoMax: Float = 0.6
    @Option(help: "Where to write the pairs (CSV; written at the end, atomically).") var csv: String
    @Option(help: "Also write an HTML report.") var report: String?
    @Option(help: "Only pairs whose first image is in the I-th of N row ranges (0-based), e.g. 2/8.") var block: String?
    @Option(help: "Threads for VLBlocks' kernels (default: all cores).") var threads: Int?

    func validate() throws {
        guard !clip.isEmpty, !dino.isEmpty else { throw ValidationError("give at least one --clip and one --dino file") }
        guard (-1...1).contains(clipMin), (-1...1).contains(dinoMax) else { throw ValidationError("--clip-min and --dino-max are cosines in [-1, 1]") }
        if let block { _ = try EmbedCommand.slice(block, option: "--block") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let clipSet = try EmbeddingFile(reading: clip)
        let dinoSet = try EmbeddingFile(reading: dino)
        guard clipSet.kind == .images, dinoSet.kind == .images else { throw CommandFailure("blind-pairs takes image embeddings, not text embeddings") }
        if clipSet.items != dinoSet.items {
            let index = zip(clipSet.items, dinoSet.items).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(clipSet.items.count, dinoSet.items.count)
            let a = index < clipSet.items.count ? clipSet.items[index] : "(end, \(clipSet.items.count) images)"
            let b = index < dinoSet.items.count ? dinoSet.items[index] : "(end, \(dinoSet.items.count) images)"
            throw CommandFailure("the CLIP and DINOv2 files list different images: at row \(index), '\(a)' vs '\(b)'")
        }
        var rows: Range<Int>?
        if let block {
            let (index, count) = try EmbedCommand.slice(block, option: "--block")
            rows = try ImageCollection.sliceRange(index, of: count, total: clipSet.items.count)
        }
        let miner = BlindPairMiner(clipMinimum: clipMin, dinoMaximum: dinoMax)
        let start = Date()
        let result = try miner.mine(clip: clipSet.embeddings, dino: dinoSet.embeddings, rows: rows)
        let seconds = Date().timeIntervalSince(start)
        var text = "image_a,image_b,clip_cosine,dino_cosine\n"
        for pair in result.pairs {
            text += "\(CSV.field(clipSet.items[pair.first])),\(CSV.field(clipSet.items[pair.second])),"
            text += String(format: "%.9f,%.9f\n", Double(pair.clipCosine), Double(pair.dinoCosine))
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
        if let report {
            let page = try PairReport(clip: clipSet, dino: dinoSet, pairs: result.pairs, clipMinimum: clipMin, dinoMaximum: dinoMax).html()
            try Data(page.utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
        }
        let gflop = Double(result.flops) / 1e9
        FileHandle.standardError.write(Data(("\(result.pairs.count) CLIP-blind pairs among \(clipSet.items.count) images; similarity tiles "
                                             + "\(Format.fixed(gflop, 1)) GFLOP in \(Format.fixed(seconds, 2)) s (\(Format.fixed(gflop / max(seconds, 1e-9), 1)) GFLOP/s)\n").utf8))
    }
}
