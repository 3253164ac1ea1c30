import ArgumentParser
import VLBlocks

/// `vlblocks connect --config C.json --weights W.safetensors --input IN.safetensors --output OUT.safetensors`.
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Run a connector (mlp2x_gelu, avg-pool, attn-pool, c-abs, qformer, perceivers) or a feature mixture (i-mof, a-mof).",
        discussion: """
            The input file holds image_features [B, N, Dv] (and optionally attention_mask [B, N], 1 = a real token,
            for the learned-query connectors), or clip_features and dino_features for i-mof and a-mof; the output
            file gets tokens [B, T, Dl]. Weights load strictly under the checkpoint keys of
            the config's projector_type (see Docs/Connectors.md). The patch grid comes from --grid, else from the
            input file's "grid" metadata (as encode --feature-layer writes it), else a square grid is assumed.
            """
    )

    @Option(help: "The connector config (JSON with projector_type).")
    var config: String

    @Option(help: "The connector weights (safetensors).")
    var weights: String

    @Option(help: "Input features (safetensors).")
    var input: String

    @Option(help: "Where to write tokens (safetensors).")
    var output: String

    @Option(help: "The patch grid as HxW (rows x columns), overriding the input file's grid metadata.")
    var grid: String?

    @Option(help: precisionHelp)
    var precision: Precision = .float32

    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let grid, PatchGrid(grid) == nil { throw ValidationError("--grid takes HxW with positive sides, e.g. 24x16") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let (projector, inputs, patchGrid) = try Self.load(config: config, weights: weights, input: input, grid: grid, precision: precision)
        let tokens = try projector(inputs, grid: patchGrid)
        try SafeTensorsWriter.write(["tokens": tokens], metadata: ["producer": "vlblocks connect"], to: output)
    }

    /// The projector, its named inputs (and `attention_mask` when the file has one) and the patch grid (`--grid`, else
    /// the file's `grid` metadata): what `connect` and `trace --config` run.
    static func load(config: String, weights: String, input: String, grid: String?, precision: Precision = .float32) throws
        -> (Projector, [String: Tensor], PatchGrid?)
    {
        let projector = try Projector.load(try ProjectorConfiguration(contentsOf: config), weights: try SafeTensorsFile(path: weights),
                                           precision: precision)
        let file = try SafeTensorsFile(path: input)
        var inputs: [String: Tensor] = [:]
        for name in projector.inputNames { inputs[name] = try file.requiredTensor(name) }
        if file.tensorNames.contains("attention_mask") { inputs["attention_mask"] = try file.requiredTensor("attention_mask") }
        var patchGrid = grid.flatMap(PatchGrid.init)
        if patchGrid == nil, let stored = file.metadata["grid"] {
            guard let parsed = PatchGrid(stored) else {
                throw CommandFailure("\(input): metadata grid '\(stored)' is not HxW with positive sides")
            }
            patchGrid = parsed
        }
        return (projector, inputs, patchGrid)
    }
}
