import ArgumentParser
import VLBlocks

/// `vlblocks bench`: timings of encoders, connectors, text towers, tokenizers and image decoding.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time encoders, connectors, text towers, tokenizers, CogVLM's visual-expert layer (release builds; random weights of the real sizes) and image decoding.",
        subcommands: [BenchEncoderCommand.self, BenchConnectorsCommand.self, BenchTextCommand.self, BenchTokenizeCommand.self,
                      BenchCogVLMCommand.self, BenchDecodeCommand.self, BenchPrecisionCommand.self]
    )
}

/// `vlblocks bench encoder --preset P --resolution R --batch B --threads T --runs N [--json]`.
struct BenchEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Time a vision tower's forward pass: min and median ms, GFLOP and GFLOP/s."
    )

    @Option(help: "A preset: \(VisionPreset.all.map(\.name).joined(separator: ", ")).")
    var preset = "clip-vit-b16"

    @Option(help: "Input side in pixels (a multiple of the patch size; default: the preset's native size).")
    var resolution: Int?

    @Option(help: "Images per forward pass.")
    var batch = 1

    @Option(help: "Threads for BLAS and VLBlocks' kernels.")
    var threads = ComputeThreads.count

    @Option(help: "Timed runs after one warm-up run.")
    var runs = 5

    @Flag(help: "Print one JSON line instead of a sentence.")
    var json = false

    @Option(help: precisionHelp)
    var precision: Precision = .float32

    @Flag(help: "Run the blocks composed from tensor operations instead of the fused blocks (to measure what fusing gains).")
    var composed = false

    func validate() throws {
        guard batch > 0, runs > 0, threads > 0 else { throw ValidationError("--batch, --runs and --threads must be positive") }
        guard batch <= 1024, runs <= 100_000, threads <= 1024 else {
            throw ValidationError("--batch, --threads at most 1024, --runs at most 100000")
        }
        if let resolution, !(1...ImageProcessor.maximumSide).contains(resolution) {
            throw ValidationError("--resolution must be between 1 and \(ImageProcessor.maximumSide)")
        }
    }

    func run() throws {
        ComputeThreads.set(threads)
        let preset = try VisionPreset.named(self.preset)
        let side = resolution ?? preset.configuration.imageSize
        let shape = [batch, preset.configuration.channels, side, side]
        guard let count = Tensor.checkedCount(shape), count <= SizeLimits.maximumActivationElements else {
            throw CommandFailure("pixels \(shape.shapeDescription) exceed \(SizeLimits.maximumActivationElements) elements")
        }
        let tower = try VisionTower.random(preset, precision: precision)
        let pixels = Tensor.uniform(shape: [batch, preset.configuration.channels, side, side], seed: 7)
        _ = try tower.embeddings.patchEmbedding.grid(for: pixels)
        let forward: () throws -> Void = composed ? { _ = try tower.composedLastHiddenState(pixels) } : { _ = try tower(pixels) }
        try forward()
        let residentBefore = ResidentMemory.kilobytes()  // after a warm-up call
        let timing = try Timing.measure(runs: runs, forward)
        let residentAfter = ResidentMemory.kilobytes()
        let gflop = Double(tower.flops(batch: batch, height: side, width: side)) / 1e9
        if json {
            print(Format.jsonLine([
                ("preset", Format.jsonString(preset.name)), ("blocks", Format.jsonString(composed ? "composed" : "fused")), ("resolution", String(side)), ("batch", String(batch)),
                ("precision", Format.jsonString(precision.rawValue)), ("threads", String(threads)), ("runs", String(runs)), ("min_ms", Format.fixed(timing.minimum)),
                ("median_ms", Format.fixed(timing.median)), ("gflops", Format.fixed(gflop, 3)),
                ("gflop_per_s", Format.fixed(gflop / timing.minimum * 1000, 1)), ("params", String(tower.parameterCount)),
                ("rss_after_warmup_kb", String(residentBefore)), ("rss_after_runs_kb", String(residentAfter)),
            ]))
        } else {
            print("\(preset.name) @ \(side) px, batch \(batch), \(precision.rawValue), \(threads) threads: min \(Format.fixed(timing.minimum)) ms, "
                  + "median \(Format.fixed(timing.median)) ms, \(Format.fixed(gflop, 2)) GFLOP, "
                  + "\(Format.fixed(gflop / timing.minimum * 1000, 1)) GFLOP/s")
        }
    }
}
