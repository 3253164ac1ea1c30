import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks compare`: MM1's connector comparison as a command, on built-in defaults, no downloads.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare connectors: encoder resolution x connector x token count (latency, parameters, FLOPs).",
        discussion: """
            Random weights of the real sizes (or --checkpoint for a real tower). The encoder runs once per
            resolution; every connector takes its penultimate layer's patch tokens (LLaVA's feature choice),
            projected to the LLM width --dl. Prints a table; --csv and --svg write the rows and a chart.
            --quick uses dinov2-s14 and two timed runs: under two minutes on 2 cores.
            """
    )

    @Option(help: "Encoder preset (default clip-vit-l14; dinov2-s14 with --quick).") var encoder: String?
    @Option(help: "A checkpoint folder to use instead of a preset.") var checkpoint: String?
    @Option(help: "Encoder input sides in pixels, comma-separated (multiples of the patch).") var resolutions = "224,336,378"
    @Option(help: "Connector output token counts, comma-separated (squares).") var tokens = "64,144"
    @Option(help: "Connectors, comma-separated.") var connectors = ConnectorStudy.connectors.joined(separator: ",")
    @Option(help: "Language-model width the connectors project to.") var dl = 4096
    @Option(help: "Images per forward pass.") var batch = 1
    @Option(help: "Threads for BLAS and VLBlocks' kernels.") var threads = ComputeThreads.count
    @Option(help: "Timed runs per case after one warm-up (default 3; 2 with --quick).") var runs: Int?
    @Option(help: "Write the rows as CSV.") var csv: String?
    @Option(help: "Write a latency chart as SVG.") var svg: String?
    @Option(help: "Precisions to sweep, comma-separated: fp32, int8 or fp32,int8 (encoder and connectors alike).")
    var precision = "fp32"
    @Flag(help: "Small encoder and fewer runs: the README's main job.") var quick = false

    func validate() throws {
        guard batch > 0, dl > 0, threads > 0 else { throw ValidationError("--batch, --dl and --threads must be positive") }
        guard batch <= 1024, dl <= SizeLimits.maximumDimension, threads <= 1024 else {
            throw ValidationError("--batch and --threads at most 1024, --dl at most \(SizeLimits.maximumDimension)")
        }
        if let runs, !(1...100_000).contains(runs) { throw ValidationError("--runs must be between 1 and 100000") }
        _ = try Self.precisions(precision)
        if checkpoint != nil, encoder != nil { throw ValidationError("give --encoder or --checkpoint, not both") }
        let sides = try Self.sides(resolutions)
        let counts = try IntegerList.tokenCounts(tokens)
        for kind in try Self.kinds(connectors) {
            // Every connector at every token count: non-square counts for avg-pool and c-abs fail here, not mid-sweep.
            for count in counts {
                do { _ = try ConnectorStudy.configuration(kind, encoderWidth: 16, outputWidth: 16, tokens: count) } catch {
                    throw ValidationError("\(kind): \(error)")
                }
            }
        }
        if checkpoint == nil {
            let preset = try VisionPreset.named(encoder ?? (quick ? "dinov2-s14" : "clip-vit-l14"))
            try Self.checkResolutions(sides, patchSize: preset.configuration.patchSize, nativeSize: preset.configuration.imageSize)
        }
    }

    static func sides(_ text: String) throws -> [Int] {
        try IntegerList.parse(text, in: 1...ImageProcessor.maximumSide,
                                       what: "--resolutions takes pixel sides (1 ... \(ImageProcessor.maximumSide)) separated by commas, e.g. 224,336")
    }

    static func precisions(_ text: String) throws -> [Precision] {
        let names = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let precisions = try names.map { name in
            guard let precision = Precision(rawValue: name) else {
                throw ValidationError("unknown precision '\(name)'; known: \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return precision
        }
        guard !precisions.isEmpty, Set(precisions).count == precisions.count else {
            throw ValidationError("--precision names each of fp32, int8 at most once, e.g. fp32,int8")
        }
        return precisions
    }

    static func kinds(_ text: String) throws -> [String] {
        let kinds = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for kind in kinds where !ConnectorStudy.known.contains(kind) {
            throw ValidationError("unknown connector '\(kind)'; known: \(ConnectorStudy.known.joined(separator: ", "))")
        }
        guard !kinds.isEmpty else { throw ValidationError("--connectors names at least one connector") }
        return kinds
    }

    static func checkResolutions(_ sides: [Int], patchSize: Int, nativeSize: Int) throws {
        for side in sides where side % patchSize != 0 && side != nativeSize {
            throw ValidationError("resolution \(side) is not a multiple of the patch size \(patchSize)")
        }
    }

    func run() throws {
        ComputeThreads.set(threads)
        let sides = try Self.sides(resolutions)
        let counts = try IntegerList.tokenCounts(tokens)
        let kinds = try Self.kinds(connectors)
        let precisions = try Self.precisions(precision)
        var name = ""
        var rows: [ConnectorSweep.Row] = []
        let progress = ProgressLine()
        for (index, precision) in precisions.enumerated() {
            let tower: VisionTransformer
            if let checkpoint {
                tower = try VisionTower.load(directory: checkpoint, precision: precision)
                name = (checkpoint as NSString).lastPathComponent
                try Self.checkResolutions(sides, patchSize: tower.configuration.patchSize, nativeSize: tower.configuration.imageSize)
            } else {
                let preset = try VisionPreset.named(encoder ?? (quick ? "dinov2-s14" : "clip-vit-l14"))
                tower = try VisionTower.random(preset, precision: precision)
                name = preset.name
            }
            let sweep = ConnectorSweep(tower: tower, resolutions: sides, tokenCounts: counts, connectors: kinds, languageWidth: dl,
                                       batch: batch, runs: runs ?? (quick ? 2 : 3), precision: precision)
            let pass = precisions.count > 1 ? "\(precision.rawValue) \(index + 1)/\(precisions.count) " : ""
            rows += try sweep.run { done, total, what in progress.show("\(pass)[\(done)/\(total)] \(what)") }
        }
        progress.finish()
        print("\(name), batch \(batch), \(threads) threads, LLM width \(dl); ms = connector median, encoder_ms = encoder median (up to the feature layer)")
        print(ConnectorComparison.table(rows), terminator: "")
        if let csv {
            try ConnectorComparison.csv(rows).write(toFile: csv, atomically: true, encoding: .utf8)
        }
        if let svg {
            let title = "Connector latency: \(name), batch \(batch), \(threads) threads, Dl \(dl)"
            try ComparisonChart.svg(rows, title: title).write(toFile: svg, atomically: true, encoding: .utf8)
        }
    }
}

/// One self-overwriting status line on stderr (plain lines when stderr is not a terminal).
final class ProgressLine {
    let interactive = isatty(2) != 0
    var lastLength = 0

    func show(_ text: String) {
        if interactive {
            let padding = String(repeating: " ", count: max(0, lastLength - text.count))
            FileHandle.standardError.write(Data(("\r" + text + padding).utf8))
            lastLength = text.count
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: lastLength) + "\r").utf8)) }
    }
}
