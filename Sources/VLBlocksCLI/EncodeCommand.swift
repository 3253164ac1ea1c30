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
            With --image, the image is preprocessed as the checkpoint's preprocessor_config.json says (or the
            family's default processor at the tower's native size; 224 for DINOv2), and pixel_values is written
            too.
            """
    )

    @Option(help: "A Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index).")
    var checkpoint: String

    @Option(help: "A safetensors file holding pixel_values [B, 3, H, W], already normalised.")
    var pixels: String?

    @Option(help: "A PNG or JPEG image to preprocess and encode (instead of --pixels).")
    var image: String?

    @Option(help: "With --image: transparent pixels are dropped or composited on white.")
    var alpha: RGBImage.AlphaHandling = .drop

    @Option(help: "Where to write the outputs (safetensors).")
    var output: String

    @Flag(help: "Also write hidden_states.0 ... hidden_states.L.")
    var hiddenStates = false

    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard (pixels == nil) != (image == nil) else { throw ValidationError("give exactly one of --pixels and --image") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let tower = try VisionTower.load(directory: checkpoint)
        let values: Tensor
        if let image {
            let family: ImageProcessor.Family = switch tower.configuration.family {
            case .clip: .clip
            case .siglip: .siglip
            case .dinov2, .dinov2WithRegisters: .dinov2
            }
            let native = family == .dinov2 ? 224 : tower.configuration.imageSize
            let processor = try ImageProcessor.forCheckpoint(directory: checkpoint, family: family, nativeSize: native)
            values = try processor.pixelValues(try RGBImage(contentsOf: image, alpha: alpha))
        } else {
            let path = pixels!
            let input = try SafeTensorsFile(path: path)
            guard input.entry(named: "pixel_values") != nil else {
                throw CommandFailure("\(path) has no tensor named 'pixel_values' (it holds: \(input.tensorNames.joined(separator: ", ")))")
            }
            values = try input.readTensor(named: "pixel_values")
        }
        let result = try tower.encode(values, hiddenStates: hiddenStates)
        var tensors = ["last_hidden_state": result.lastHiddenState]
        if image != nil { tensors["pixel_values"] = values }
        if let pooled = result.poolerOutput { tensors["pooler_output"] = pooled }
        for (i, state) in (result.hiddenStates ?? []).enumerated() { tensors["hidden_states.\(i)"] = state }
        try SafeTensorsWriter.write(tensors, metadata: ["producer": "vlblocks encode"], to: output)
    }
}
