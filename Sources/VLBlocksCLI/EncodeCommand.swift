import ArgumentParser
import VLBlocks

/// `vlblocks encode`: runs a vision tower from a checkpoint folder on pixels (or an image).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode pixel_values [B, 3, H, W] with a CLIP, SigLIP or DINOv2 checkpoint.",
        discussion: """
            Writes last_hidden_state [B, N, D], pooler_output [B, D] when the family has one, and with
            --hidden-states every hidden_states.<i> (i = 0 ... L) as transformers returns them.
            """
    )

    @Option(help: "A Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index).")
    var checkpoint: String

    @Option(help: "A safetensors file holding pixel_values [B, 3, H, W], already normalised.")
    var pixels: String

    @Option(help: "Where to write the outputs (safetensors).")
    var output: String

    @Flag(help: "Also write hidden_states.0 ... hidden_states.L.")
    var hiddenStates = false

    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let tower = try VisionTower.load(directory: checkpoint)
        let input = try SafeTensorsFile(path: pixels)
        guard input.entry(named: "pixel_values") != nil else {
            throw ValidationError("\(pixels) has no tensor named 'pixel_values' (it holds: \(input.tensorNames.joined(separator: ", ")))")
        }
        let result = try tower.encode(try input.readTensor(named: "pixel_values"), hiddenStates: hiddenStates)
        var tensors = ["last_hidden_state": result.lastHiddenState]
        if let pooled = result.poolerOutput { tensors["pooler_output"] = pooled }
        for (i, state) in (result.hiddenStates ?? []).enumerated() { tensors["hidden_states.\(i)"] = state }
        try SafeTensorsWriter.write(tensors, metadata: ["producer": "vlblocks encode"], to: output)
    }
}
