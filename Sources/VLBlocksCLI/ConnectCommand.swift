import ArgumentParser
import VLBlocks

/// `vlblocks connect --config C.json --weights W.safetensors --input IN.safetensors --output OUT.safetensors`.
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Run a connector (mlp2x_gelu, avg-pool, attn-pool, c-abs) or a feature mixture (i-mof, a-mof).",
        discussion: """
            The input file holds image_features [B, N, Dv], or clip_features and dino_features for i-mof and
            a-mof; the output file gets tokens [B, T, Dl]. Weights load strictly under the checkpoint keys of
            the config's projector_type (see Docs/Connectors.md).
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

    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let projector = try Projector.load(config: try Projector.readConfig(path: config), weights: try SafeTensorsFile(path: weights),
                                           file: config)
        let file = try SafeTensorsFile(path: input)
        var inputs: [String: Tensor] = [:]
        for name in projector.inputNames {
            guard file.entry(named: name) != nil else {
                throw CommandFailure("\(input) has no tensor named '\(name)' (it holds: \(file.tensorNames.joined(separator: ", ")))")
            }
            inputs[name] = try file.readTensor(named: name)
        }
        let tokens = try projector(inputs)
        try SafeTensorsWriter.write(["tokens": tokens], metadata: ["producer": "vlblocks connect"], to: output)
    }
}
