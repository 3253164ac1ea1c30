import ArgumentParser
import VLBlocks

/// `vlblocks bench connectors --grid G --dv DV --dl DL --tokens 64,144 --batch B --threads T [--json]`.
struct BenchConnectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors",
        abstract: "Time every connector on a G x G grid of Dv-wide tokens projected to Dl (random weights).",
        discussion: """
            The pooling connectors and mlp2x_gelu take the G x G patch tokens; the Q-Former and the Flamingo perceiver
            take them with a class token (G² + 1), as BLIP-2's vision output. The learned-query connectors run at
            their fixed query or latent count (qformer 32, perceiver-idefics2 and perceiver-flamingo 64) whatever
            --tokens says.
            """
    )

    @Option(help: "Grid side (tokens = grid^2).") var grid = 24
    @Option(help: "Visual token width.") var dv = 1024
    @Option(help: "Language-model width.") var dl = 4096
    @Option(help: "Output token counts, comma-separated (squares).") var tokens = "64,144"
    @Option(help: "Connectors, comma-separated.") var connectors = ConnectorStudy.connectors.joined(separator: ",")
    @Option(help: "Feature maps per call.") var batch = 1
    @Option(help: "Threads for BLAS and VLBlocks' kernels.") var threads = ComputeThreads.count
    @Option(help: "Timed runs after one warm-up run.") var runs = 5
    @Option(help: precisionHelp) var precision: Precision = .float32
    @Flag(help: "One JSON line per case.") var json = false

    func validate() throws {
        guard grid > 0, dv > 0, dl > 0, batch > 0, runs > 0, threads > 0 else {
            throw ValidationError("--grid, --dv, --dl, --batch, --runs and --threads must be positive")
        }
        guard let count = Tensor.checkedCount([batch, grid, grid, max(dv, dl), 4]), count <= SizeLimits.maximumActivationElements,
              threads <= 1024, runs <= 100_000
        else {
            throw ValidationError("--batch x --grid² x max(--dv, --dl) too large (limit \(SizeLimits.maximumActivationElements / 4))")
        }
        _ = try IntegerList.tokenCounts(tokens)
        _ = try CompareCommand.kinds(connectors)
    }

    func run() throws {
        ComputeThreads.set(threads)
        let n = grid * grid
        let withClassToken = Tensor.uniform(shape: [batch, n + 1, dv], seed: 11)
        let patches = ImageFeatures(tokens: try withClassToken.narrowed(axis: 1, start: 1, length: n), grid: PatchGrid(height: grid, width: grid))
        for name in connectors.split(separator: ",").map(String.init) {
            let input = ConnectorStudy.takesPrefixTokens(name) ? ImageFeatures(tokens: withClassToken, prefixTokens: 1) : patches
            let inputTokens = input.tokens.shape[1]
            for t in ConnectorStudy.tokenCounts(for: name, requested: try IntegerList.tokenCounts(tokens), inputTokens: n) {
                let connector = try ConnectorStudy.configuration(name, encoderWidth: dv, outputWidth: dl, tokens: t)
                    .randomConnector(inputTokens: inputTokens, precision: precision)
                let timing = try Timing.measure(runs: runs) { _ = try connector(input) }
                let gflop = Double(connector.flops(batch: batch, inputTokens: inputTokens)) / 1e9
                if json {
                    print(Format.jsonLine([
                        ("connector", Format.jsonString(name)), ("tokens", String(t)), ("grid", String(grid)), ("dv", String(dv)),
                        ("dl", String(dl)), ("batch", String(batch)), ("precision", Format.jsonString(precision.rawValue)),
                        ("threads", String(threads)),
                        ("params", String(connector.parameterCount)), ("gflops", Format.fixed(gflop, 3)),
                        ("min_ms", Format.fixed(timing.minimum)), ("median_ms", Format.fixed(timing.median)),
                    ]))
                } else {
                    print("\(name) T=\(t) \(precision.rawValue): \(connector.parameterCount) params, \(Format.fixed(gflop, 2)) GFLOP, "
                          + "min \(Format.fixed(timing.minimum)) ms, median \(Format.fixed(timing.median)) ms")
                }
            }
        }
    }
}
