import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks encode`: runs a vision tower from a checkpoint folder on pixels (or an image).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode pixel_values [B, 3, H, W] with a CLIP, SigLIP or DINOv2 checkpoint.",
        discussion: """
            Writes last_hidden_state [B, N, D], pooler_output [B, D] when the family has one, and with
            --hidden-states every hidden_states.<i> (i = 0 ... L) as transformers returns them.
            With --feature-layer K it writes image_features [B, h*w, D] instead: transformers' hidden_states[K]
            (0 = the embeddings output, L = the last layer before any final norm, negative from the end) with the
            class and register tokens removed, running only the layers it needs; the file's metadata "grid" gives
            the patch grid as HxW.
            With --image, the image is preprocessed as the checkpoint's preprocessor_config.json says (or the
            family's default processor at the tower's native size; 224 for DINOv2), and pixel_values is written
            too.
            """
    )

    @Option(help: "A Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index).")
    var checkpoint: String

    @Option(help: "A safetensors file holding pixel_values [B, 3, H, W], already normalised.")
    var pixels: String?

    @Option(help: "A PNG, JPEG, WebP, GIF, BMP or TIFF image to preprocess and encode (instead of --pixels).")
    var image: String?

    @Option(help: "With --image: transparent pixels are dropped or composited on white.")
    var alpha: RGBImage.AlphaHandling = .drop

    @Option(help: "With --image: 16-bit grey is clipped (as Pillow and the pipelines) or scaled to its high byte.")
    var grey16: RGBImage.Grey16Handling = .clip

    @Option(help: "Where to write the outputs (safetensors).")
    var output: String

    @Flag(help: "Also write hidden_states.0 ... hidden_states.L.")
    var hiddenStates = false

    @Option(parsing: .unconditional, help: "Write image_features = hidden_states[K] without class and register tokens (e.g. -2, LLaVA's layer).")
    var featureLayer: Int?

    @Option(help: precisionHelp)
    var precision: Precision = .float32

    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard (pixels == nil) != (image == nil) else { throw ValidationError("give exactly one of --pixels and --image") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
        if featureLayer != nil, hiddenStates { throw ValidationError("--feature-layer and --hidden-states do not go together") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let configuration = try VisionTower.loadConfiguration(directory: checkpoint)
        let selection = featureLayer.map { FeatureSelection(layer: $0, tokens: .patches) }
        if let selection {
            do { _ = try selection.resolvedLayer(layers: configuration.layers) } catch { throw ValidationError("--feature-layer: \(error.reason)") }
        }
        let tower = try VisionTower.load(configuration: configuration, weights: try CheckpointWeights.open(directory: checkpoint),
                                         precision: precision)
        let values: Tensor
        if let image {
            let processor = try ImageProcessor.forCheckpoint(directory: checkpoint, tower: configuration)
            values = try processor.pixelValues(try RGBImage(contentsOf: image, alpha: alpha, grey16: grey16))
        } else {
            values = try SafeTensorsFile(path: pixels!).requiredTensor("pixel_values")
        }
        var tensors: [String: Tensor] = [:]
        var metadata = ["producer": "vlblocks encode"]
        if image != nil { tensors["pixel_values"] = values }
        if let selection {
            let features = try tower.features(values, selection: selection)
            tensors["image_features"] = features.tokens
            metadata["grid"] = features.grid?.description
            metadata["feature_layer"] = String(selection.layer)
        } else {
            let result = try tower.encode(values, hiddenStates: hiddenStates)
            tensors["last_hidden_state"] = result.lastHiddenState
            if let pooled = result.poolerOutput { tensors["pooler_output"] = pooled }
            for (i, state) in (result.hiddenStates ?? []).enumerated() { tensors["hidden_states.\(i)"] = state }
        }
        try SafeTensorsWriter.write(tensors, metadata: metadata, to: output)
    }
}

extension SafeTensorsFile {
    /// The tensor `name`, or a ``CommandFailure`` that lists what the file holds.
    func requiredTensor(_ name: String) throws -> Tensor {
        guard entry(named: name) != nil else {
            throw CommandFailure("\(path) has no tensor named '\(name)' (it holds: \(tensorNames.joined(separator: ", ")))")
        }
        return try readTensor(named: name)
    }
}
