import ArgumentParser
import VLBlocks

/// The connector variants MM1 compared, at the sizes `bench connectors` and `compare` time them.
enum ConnectorVariants {
    static let names = ["avg-pool", "attn-pool", "c-abs", "mlp2x_gelu"]

    /// The config of `name` for `dv`-wide inputs projected to `dl`, producing `tokens` tokens (ignored by
    /// mlp2x_gelu, which keeps every token): c-abs with depth 3, hidden = Dv, mlp_depth 2; attn-pool with
    /// 16 heads (fewer when 16 does not divide Dv), intermediate 4 x Dv; avg-pool with one Linear.
    static func configuration(_ name: String, dv: Int, dl: Int, tokens: Int) throws -> ConnectorConfiguration {
        switch name {
        case "avg-pool": return .averagePooling(encoderWidth: dv, outputWidth: dl, queries: tokens, mlpDepth: 1)
        case "attn-pool":
            let heads = [16, 12, 8, 4, 2, 1].first { dv % $0 == 0 }!
            return .attentionPooling(encoderWidth: dv, outputWidth: dl, queries: tokens, heads: heads, intermediateSize: 4 * dv,
                                     epsilon: 1e-6, mlpDepth: 1)
        case "c-abs":
            return .cAbstractor(encoderWidth: dv, hiddenWidth: dv, outputWidth: dl, depth: 3, mlpDepth: 2, queries: tokens,
                                positionEmbedding: true)
        case "mlp2x_gelu": return .mlp2xGELU(encoderWidth: dv, outputWidth: dl)
        default:
            throw ValidationError("unknown connector '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }

    /// Parses `--tokens 64,144`: positive integers; avg-pool and c-abs need squares.
    static func tokenCounts(_ text: String) throws -> [Int] {
        try integers(text, in: 1...Int.max, what: "--tokens takes positive integers separated by commas, e.g. 64,144")
    }

    /// A comma-separated list of integers in `range`, or a `ValidationError` saying `what` the option takes.
    static func integers(_ text: String, in range: ClosedRange<Int>, what: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) ?? false }) else { throw ValidationError(what) }
        return values.map { $0! }
    }
}

/// `vlblocks bench connectors --grid G --dv DV --dl DL --tokens 64,144 --batch B --threads T [--json]`.
struct BenchConnectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors",
        abstract: "Time every connector on a G x G grid of Dv-wide tokens projected to Dl (random weights)."
    )

    @Option(help: "Grid side (tokens = grid^2).") var grid = 24
    @Option(help: "Visual token width.") var dv = 1024
    @Option(help: "Language-model width.") var dl = 4096
    @Option(help: "Output token counts, comma-separated (squares).") var tokens = "64,144"
    @Option(help: "Connectors, comma-separated.") var connectors = ConnectorVariants.names.joined(separator: ",")
    @Option(help: "Feature maps per call.") var batch = 1
    @Option(help: "Threads for BLAS and VLBlocks' kernels.") var threads = ComputeThreads.count
    @Option(help: "Timed runs after one warm-up run.") var runs = 5
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
        _ = try ConnectorVariants.tokenCounts(tokens)
    }

    func run() throws {
        ComputeThreads.set(threads)
        let n = grid * grid
        var rng = SplitMix(seed: 11)
        let features = Tensor(shape: [batch, n, dv]) { buffer in for i in buffer.indices { buffer[i] = rng.nextSigned() } }
        for name in connectors.split(separator: ",").map(String.init) {
            let counts = name == "mlp2x_gelu" ? [n] : try ConnectorVariants.tokenCounts(tokens)
            for t in counts {
                let connector = try ConnectorFactory.random(try ConnectorVariants.configuration(name, dv: dv, dl: dl, tokens: t), inputTokens: n)
                let timing = try Timing.measure(runs: runs) { _ = try connector(features) }
                let gflop = Double(connector.flops(batch: batch, inputTokens: n)) / 1e9
                if json {
                    print(Format.jsonLine([
                        ("connector", Format.jsonString(name)), ("tokens", String(t)), ("grid", String(grid)), ("dv", String(dv)),
                        ("dl", String(dl)), ("batch", String(batch)), ("threads", String(threads)),
                        ("params", String(connector.parameterCount)), ("gflops", Format.fixed(gflop, 3)),
                        ("min_ms", Format.fixed(timing.minimum)), ("median_ms", Format.fixed(timing.median)),
                    ]))
                } else {
                    print("\(name) T=\(t): \(connector.parameterCount) params, \(Format.fixed(gflop, 2)) GFLOP, "
                          + "min \(Format.fixed(timing.minimum)) ms, median \(Format.fixed(timing.median)) ms")
                }
            }
        }
    }
}
