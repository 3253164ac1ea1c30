import ArgumentParser
import Dispatch
import VLBlocks

/// `vlblocks bench cogvlm --generation cogvlm --vision 1227 --text 64 --runs 3 [--json]`.
struct BenchCogVLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cogvlm",
        abstract: "Time one CogVLM visual-expert layer at the real width against a plain layer of the same width.",
        discussion: """
            One decoder layer with random weights of the real sizes (CogVLM: D 4096, 32 heads, SwiGLU 11008; CogVLM2: 8
            key-value heads, SwiGLU 14336) on a sequence of bos, --vision vision-typed positions (boi, patches, eoi) and
            --text - 1 more language positions: the expert layer routes each position to its expert; the plain layer is
            the same layer with every position typed language (the language expert alone, a LLaMA layer). The two run
            alternately in one process after a warm-up each. Reports min and median ms, ms per token, GFLOP, GFLOP/s and
            parameters of both.
            """
    )

    @Option(help: "cogvlm (Vicuna-7B width) or cogvlm2 (LLaMA-3-8B width, grouped-query heads).") var generation = "cogvlm"
    @Option(help: "Vision-typed positions per sequence (boi + patches + eoi; CogVLM at 490 px: 1227, at 224 px: 258).") var vision = 1227
    @Option(help: "Language positions per sequence (bos + text).") var text = 64
    @Option(help: "Sequences per forward pass.") var batch = 1
    @Option(help: "Override the width D (32 heads; for small machines and tests).") var hiddenSize: Int?
    @Option(help: "Override the SwiGLU width.") var intermediateSize: Int?
    @Option(help: "Threads for BLAS and VLBlocks' kernels.") var threads = ComputeThreads.count
    @Option(help: "Timed runs of each layer after one warm-up run each.") var runs = 3
    @Flag(help: "Print one JSON line instead of sentences.") var json = false

    func validate() throws {
        guard CogVLMConfiguration.Generation(rawValue: generation) != nil else { throw ValidationError("--generation is cogvlm or cogvlm2") }
        if let hiddenSize, hiddenSize < 64 || hiddenSize % 64 != 0 { throw ValidationError("--hidden-size must be a positive multiple of 64") }
        if let intermediateSize, !(1...(1 << 16)).contains(intermediateSize) { throw ValidationError("--intermediate-size must be in 1 ... 65536") }
        if let hiddenSize, hiddenSize > 16_384 { throw ValidationError("--hidden-size at most 16384") }
        guard vision >= 0, text >= 1, batch > 0, runs > 0, threads > 0 else {
            throw ValidationError("--vision must be >= 0, --text, --batch, --runs and --threads positive")
        }
        guard let rows = Tensor.checkedCount([batch, vision + text, 2 * 14336]), rows <= SizeLimits.maximumActivationElements,
              runs <= 100_000, threads <= 1024
        else {
            throw ValidationError("--batch x (--vision + --text) too large (limit \(SizeLimits.maximumActivationElements / (2 * 14336)) positions)")
        }
    }

    func run() throws {
        ComputeThreads.set(threads)
        var configuration: CogVLMConfiguration = generation == "cogvlm2" ? .cogvlm2 : .cogvlm
        if let hiddenSize { configuration.hiddenSize = hiddenSize }
        if let intermediateSize { configuration.intermediateSize = intermediateSize }
        let layer = try VisualExpertDecoder.random(configuration: configuration, layerCount: 1, seed: 15).layers[0]
        let length = vision + text
        let types = [[0] + [Int](repeating: 1, count: vision) + [Int](repeating: 0, count: text - 1)]
        let expert = try ExpertRouting(tokenTypeIDs: Array(repeating: types[0], count: batch))
        let plain = try ExpertRouting(tokenTypeIDs: Array(repeating: [Int](repeating: 0, count: length), count: batch))
        let x = Tensor.uniform(shape: [batch, length, configuration.hiddenSize], seed: 7)
        // Alternating runs, so that both layers see the same machine (this one drifts by up to 30% between runs).
        _ = try layer(x, routing: expert)
        _ = try layer(x, routing: plain)
        var expertSamples: [Double] = [], plainSamples: [Double] = []
        for _ in 0..<runs {
            expertSamples.append(try Self.milliseconds { _ = try layer(x, routing: expert) })
            plainSamples.append(try Self.milliseconds { _ = try layer(x, routing: plain) })
        }
        let (e, p) = (Timing(samples: expertSamples), Timing(samples: plainSamples))
        let tokens = Double(batch * length)
        let gflop = Double(layer.flops(batch: batch, tokens: length)) / 1e9
        let (expertParameters, plainParameters) = (layer.parameterCount, layer.languageParameterCount)
        if json {
            print(Format.jsonLine([
                ("generation", Format.jsonString(generation)), ("vision", String(vision)), ("text", String(text)),
                ("batch", String(batch)), ("threads", String(threads)), ("runs", String(runs)),
                ("expert_min_ms", Format.fixed(e.minimum)), ("expert_median_ms", Format.fixed(e.median)),
                ("plain_min_ms", Format.fixed(p.minimum)), ("plain_median_ms", Format.fixed(p.median)),
                ("expert_ms_per_token", Format.fixed(e.minimum / tokens, 4)), ("plain_ms_per_token", Format.fixed(p.minimum / tokens, 4)),
                ("expert_over_plain", Format.fixed(e.minimum / p.minimum, 3)), ("gflops", Format.fixed(gflop, 3)),
                ("expert_gflop_per_s", Format.fixed(gflop / e.minimum * 1000, 1)), ("plain_gflop_per_s", Format.fixed(gflop / p.minimum * 1000, 1)),
                ("expert_params", String(expertParameters)), ("plain_params", String(plainParameters)),
            ]))
        } else {
            print("\(generation) layer, \(vision) vision + \(text) language positions, batch \(batch), \(threads) threads, "
                  + "\(Format.fixed(gflop, 2)) GFLOP per layer either way:")
            for (name, timing, parameters) in [("visual expert", e, expertParameters), ("plain", p, plainParameters)] {
                print("  \(name): min \(Format.fixed(timing.minimum)) ms, median \(Format.fixed(timing.median)) ms, "
                      + "\(Format.fixed(timing.minimum / tokens, 4)) ms per token, \(Format.fixed(gflop / timing.minimum * 1000, 1)) GFLOP/s, "
                      + "\(parameters) parameters")
            }
            print("  expert / plain time per token: \(Format.fixed(e.minimum / p.minimum, 3))")
        }
    }

    private static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
