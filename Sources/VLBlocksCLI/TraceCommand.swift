import ArgumentParser

import VLBlocks

/// `vlblocks trace --checkpoint DIR --pixels IN --output T [--modules GLOB]`, or
/// `vlblocks trace --config C.json --weights W.safetensors --input IN.safetensors --output T [--modules GLOB]`.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Record every module's output of a vision tower, connector or mixture under its PyTorch module path.",
        discussion: """
            Writes a trace: a safetensors file with one fp32 tensor per recorded module, named by the path transformers' or
            timm's named_modules() gives it (embeddings, encoder.layers.3.self_attn, post_layernorm, net.0.b1, readout,
            ...), and the metadata "order", the paths in the order their modules finished. Tools/trace/torch_trace.py
            records the same layout from the PyTorch model; `vlblocks diff` compares two traces. --checkpoint runs the
            vision tower on pixel_values from --pixels; --config runs a connector or mixture on --input as `connect` does.
            --modules keeps the paths that match one of its comma-separated glob patterns (* also crosses dots).
            """
    )

    @Option(help: "A CLIP, SigLIP or DINOv2 checkpoint folder (the vision tower is traced).") var checkpoint: String?
    @Option(help: "pixel_values [B, 3, H, W] (safetensors).") var pixels: String?
    @Option(help: "A connector or mixture config (JSON with projector_type).") var config: String?
    @Option(help: "The connector weights (safetensors).") var weights: String?
    @Option(help: "Input features (safetensors), as for `connect`.") var input: String?
    @Option(help: "The patch grid as HxW, overriding the input file's grid metadata.") var grid: String?
    @Option(help: "Where to write the trace (safetensors).") var output: String
    @Option(help: "Comma-separated glob patterns of module paths to record (default: all).") var modules: String?
    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).") var threads: Int?
    @Option(help: "fp32 (default) or int8: trace an int8 model, then `diff` it against the fp32 trace to see which modules lose accuracy.")
    var precision: Precision = .float32

    func validate() throws {
        let tower = checkpoint != nil || pixels != nil, connector = config != nil || weights != nil || input != nil
        guard tower != connector else {
            throw ValidationError("give --checkpoint and --pixels, or --config, --weights and --input")
        }
        if tower, checkpoint == nil || pixels == nil { throw ValidationError("--checkpoint needs --pixels (and the reverse)") }
        if connector, config == nil || weights == nil || input == nil {
            throw ValidationError("--config, --weights and --input go together")
        }
        if let grid, PatchGrid(grid) == nil { throw ValidationError("--grid takes HxW with positive sides, e.g. 24x16") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let filter = modules.map { ModuleFilter(parsing: $0) } ?? .all
        let trace: Trace
        if let checkpoint, let pixels {
            let configuration = try VisionTower.loadConfiguration(directory: checkpoint)
            let tower = try VisionTower.load(configuration: configuration, weights: try CheckpointWeights.open(directory: checkpoint),
                                             precision: precision)
            let values = try SafeTensorsFile(path: pixels).requiredTensor("pixel_values")
            (_, trace) = try Tracing.record(modules: filter) { try tower.encode(values) }
        } else {
            let (projector, inputs, patchGrid) = try ConnectCommand.load(config: config!, weights: weights!, input: input!, grid: grid,
                                                                         precision: precision)
            (_, trace) = try Tracing.record(modules: filter) { try projector(inputs, grid: patchGrid) }
        }
        guard !trace.isEmpty else { throw CommandFailure("no module path matches --modules '\(filter)'") }
        try trace.write(to: output)
        print("\(trace.order.count) modules recorded to \(output)")
    }
}

/// `vlblocks diff A.safetensors B.safetensors [--rtol R] [--atol A] [--json]`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two traces module by module (B is the reference) and name the first divergence.",
        discussion: """
            An element passes when |a - b| <= atol + rtol * |b|. For every module in both: shapes, max absolute and relative
            error, cosine, the worst element and its two values. The first module in A's order outside the tolerance, or
            whose shapes differ, is the first divergence. Modules in one file only are listed, not counted as failures.
            Exit status 0 when every common module agrees, 1 otherwise.
            """
    )

    @Argument(help: "The trace to check (A).") var actual: String
    @Argument(help: "The reference trace (B).") var reference: String
    @Option(help: "Relative tolerance.") var rtol: Float = 1e-5
    @Option(help: "Absolute tolerance.") var atol: Float = 1e-6
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard rtol >= 0, atol >= 0, rtol.isFinite, atol.isFinite else { throw ValidationError("--rtol and --atol must be finite and >= 0") }
    }

    func run() throws {
        let comparison = TraceComparison(try Trace(contentsOf: actual), try Trace(contentsOf: reference), rtol: rtol, atol: atol)
        if json {
            print(comparison.json)
        } else {
            print(Self.table(comparison))
        }
        if !comparison.passed { throw ExitCode(1) }
    }

    static func table(_ comparison: TraceComparison) -> String {
        var lines = ["module | shape | max abs | max rel | cosine | worst (a vs b) | ok"]
        for entry in comparison.entries {
            let c = entry.comparison
            let shape = c.actualShape == c.expectedShape ? c.actualShape.shapeDescription
                : "\(c.actualShape.shapeDescription) vs \(c.expectedShape.shapeDescription)"
            let marker = entry.path == comparison.firstDivergence ? "  <- first divergence" : ""
            lines.append("\(entry.path) | \(shape) | \(c.maxAbsoluteError) | \(c.maxRelativeError) | \(Format.fixed(c.cosine, 7)) | "
                         + "[\(c.worstIndex.map(String.init).joined(separator: ", "))] \(c.worstActual) vs \(c.worstExpected) | "
                         + "\(c.passed ? "ok" : "FAIL")\(marker)")
        }
        if !comparison.onlyInActual.isEmpty { lines.append("only in A: " + comparison.onlyInActual.joined(separator: ", ")) }
        if !comparison.onlyInReference.isEmpty { lines.append("only in B: " + comparison.onlyInReference.joined(separator: ", ")) }
        lines.append(comparison.firstDivergence.map { "first divergence: \($0)" } ?? "all \(comparison.entries.count) common modules agree")
        return lines.joined(separator: "\n")
    }
}
