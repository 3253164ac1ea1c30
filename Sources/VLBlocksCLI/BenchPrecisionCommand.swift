import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks bench precision`: what int8 costs in accuracy on a tower of a preset's real size.
struct BenchPrecisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precision",
        abstract: "Compare a tower's int8 outputs with its fp32 ones (per-token and pooled cosines).",
        discussion: """
            Builds the preset's tower twice from the same random weights (linear weights N(0, 1/fan_in), LayerNorm gains and
            LayerScale 1 ± 0.2, biases ± 0.05) and encodes the same random pixels. Reports the smallest and mean cosine
            between fp32 and int8 last_hidden_state rows, the smallest pooled-output cosine and, for CLIP, that of the
            projected embedding.
            """)

    @Option(help: "A preset: \(VisionPreset.all.map(\.name).joined(separator: ", ")).")
    var preset = "clip-vit-b16"

    @Option(help: "Input side in pixels (default: the preset's native size).")
    var resolution: Int?

    @Option(help: "Images.")
    var batch = 2

    @Option(help: "Seed of the weights and pixels.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard (1...64).contains(batch) else { throw ValidationError("--batch must be between 1 and 64") }
        if let resolution, !(1...ImageProcessor.maximumSide).contains(resolution) {
            throw ValidationError("--resolution must be between 1 and \(ImageProcessor.maximumSide)")
        }
    }

    func run() throws {
        let preset = try VisionPreset.named(self.preset)
        let configuration = preset.configuration
        let side = resolution ?? configuration.imageSize
        let weights = try PrecisionComparison.weights(for: configuration, seed: seed)
        let pixels = Tensor.uniform(shape: [batch, configuration.channels, side, side], seed: seed &+ 7)
        let result = try PrecisionComparison.compare(configuration: configuration, weights: weights, pixels: pixels)
        let pooled = result.minimumPooledCosine.map { Format.fixed($0, 6) }
        let projected = result.minimumProjectedCosine.map { Format.fixed($0, 6) }
        if json {
            print(Format.jsonLine([
                ("preset", Format.jsonString(preset.name)), ("resolution", String(side)), ("batch", String(batch)), ("seed", String(seed)),
                ("min_token_cosine", Format.fixed(result.minimumTokenCosine, 6)),
                ("mean_token_cosine", Format.fixed(result.meanTokenCosine, 6)),
                ("min_pooled_cosine", pooled ?? "null"), ("min_projected_cosine", projected ?? "null"),
            ]))
        } else {
            print("\(preset.name) @ \(side) px, \(batch) images, int8 vs fp32: token cosine min \(Format.fixed(result.minimumTokenCosine, 6)), "
                  + "mean \(Format.fixed(result.meanTokenCosine, 6)); pooled min \(pooled ?? "-"); projected min \(projected ?? "-")")
        }
    }
}
