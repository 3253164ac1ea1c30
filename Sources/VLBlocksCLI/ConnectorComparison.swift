import Foundation
import VLBlocks

/// MM1's connector study as a sweep: encoder resolution x connector kind x token count, timing the
/// encoder once per resolution and every connector on the features it produced.
struct ConnectorComparison {
    struct Row {
        var connector: String
        var tokens: Int
        var resolution: Int
        var params: Int
        var gflops: Double
        var ms: Double
        var encoderMs: Double
        var totalMs: Double { encoderMs + ms }
    }

    var tower: VisionTransformer
    var encoderName: String
    var resolutions: [Int]
    var tokenCounts: [Int]
    var connectors: [String]
    var languageWidth: Int
    var batch: Int
    var runs: Int

    /// Cases in the order they run (for the progress line).
    var caseCount: Int {
        resolutions.count * (1 + connectors.reduce(0) { $0 + ($1 == "mlp2x_gelu" ? 1 : tokenCounts.count) })
    }

    /// Runs the sweep; `progress` gets `(done, total, description)` before each case.
    func run(progress: (Int, Int, String) -> Void) throws -> [Row] {
        var rows: [Row] = []
        var done = 0
        let total = caseCount
        let patch = tower.configuration.patchSize
        for resolution in resolutions {
            progress(done, total, "encoder \(encoderName) @ \(resolution) px")
            var rng = SplitMix(seed: UInt64(resolution))
            let pixels = Tensor(shape: [batch, tower.configuration.channels, resolution, resolution]) { buffer in
                for i in buffer.indices { buffer[i] = rng.nextSigned() }
            }
            // The features a LLaVA-style model takes: the penultimate layer's patch tokens.
            var output: VisionEncoderOutput?
            let encoderTiming = try Timing.measure(runs: runs) { output = try tower.encode(pixels, hiddenStates: true) }
            done += 1
            let features = Self.patchTokens(of: output!, layer: max(tower.configuration.layers - 1, 0))
            let grid = resolution / patch
            for name in connectors {
                for t in name == "mlp2x_gelu" ? [grid * grid] : tokenCounts {
                    progress(done, total, "\(name) T=\(t) @ \(resolution) px")
                    let configuration = try ConnectorVariants.configuration(name, dv: tower.configuration.hiddenSize, dl: languageWidth,
                                                                           tokens: t)
                    let connector = try ConnectorFactory.random(configuration, inputTokens: grid * grid)
                    let timing = try Timing.measure(runs: runs) { _ = try connector(features) }
                    rows.append(Row(connector: name, tokens: t, resolution: resolution, params: connector.parameterCount,
                                    gflops: Double(connector.flops(batch: batch, inputTokens: grid * grid)) / 1e9,
                                    ms: timing.median, encoderMs: encoderTiming.median))
                    done += 1
                }
            }
        }
        progress(done, total, "done")
        return rows
    }

    /// `hidden_states[layer][:, prefix:]`: `[B, grid * grid, D]`.
    static func patchTokens(of output: VisionEncoderOutput, layer: Int) -> Tensor {
        let states = output.hiddenStates![layer]
        let (batch, n, d) = (states.shape[0], states.shape[1], states.shape[2])
        let prefix = output.prefixTokens, patches = n - prefix
        return Tensor(shape: [batch, patches, d]) { out in
            states.withUnsafeBufferPointer { source in
                for b in 0..<batch {
                    (out.baseAddress! + b * patches * d).update(from: source.baseAddress! + (b * n + prefix) * d, count: patches * d)
                }
            }
        }
    }

    static let columns = ["connector", "tokens", "resolution", "params", "gflops", "ms", "encoder_ms", "total_ms"]

    static func fields(_ row: Row) -> [String] {
        [row.connector, String(row.tokens), String(row.resolution), String(row.params), Format.fixed(row.gflops, 3),
         Format.fixed(row.ms), Format.fixed(row.encoderMs), Format.fixed(row.totalMs)]
    }

    /// An aligned text table (numbers right-aligned).
    static func table(_ rows: [Row]) -> String {
        let cells = [columns] + rows.map(fields)
        let widths = columns.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
        return cells.map { line in
            line.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return c == 0 ? text + pad : pad + text
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func csv(_ rows: [Row]) -> String {
        ([columns.joined(separator: ",")] + rows.map { fields($0).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }
}
