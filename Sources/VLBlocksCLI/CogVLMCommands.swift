import ArgumentParser
import VLBlocks

/// `vlblocks cogvlm-layers --config config.json --weights W.safetensors --input IN.safetensors --output OUT.safetensors`.
struct CogVLMLayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cogvlm-layers",
        abstract: "Run CogVLM decoder layers with their visual experts on inputs_embeds.",
        discussion: """
            IN holds inputs_embeds [B, L, D] (F32) and token_type_ids [B, L] (0 = language, 1 = vision), optionally
            attention_mask [B, L] (1 = keep; left or right padding). The weights file holds any number of consecutive
            layers model.layers.{i}.* from 0, and optionally model.norm.weight; config.json is CogVLM's (CogVLM2 when it
            has num_multi_query_heads). OUT gets hidden_states [B, L, D] (F32) after those layers and the final norm
            when present, and position_ids [B, L] (I64) as computed. Rows at padded positions are unspecified.
            See Docs/VisualExpert.md.
            """
    )

    @Option(help: "CogVLM's config.json.") var config: String
    @Option(help: "Decoder layers (safetensors): model.layers.{i}.* and optionally model.norm.weight.") var weights: String
    @Option(help: "inputs_embeds, token_type_ids and optionally attention_mask (safetensors).") var input: String
    @Option(help: "Where to write hidden_states and position_ids (safetensors).") var output: String
    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let configuration = try CogVLMConfiguration(contentsOf: config)
        let file = try SafeTensorsFile(path: input)
        let embeds = try file.requiredTensor("inputs_embeds")
        let mask = file.entry(named: "attention_mask") == nil ? nil : try file.requiredTensor("attention_mask")
        let routing = try ExpertRouting(tokenTypeIDs: try file.requiredTensor("token_type_ids"), attentionMask: mask)
        let decoder = try VisualExpertDecoder.load(configuration: configuration, weights: try SafeTensorsFile(path: weights))
        let hidden = try decoder(inputsEmbeds: embeds, routing: routing)
        let positions = try Tensor(shape: [routing.batch, routing.length], scalars: routing.positionIDs.flatMap { $0.map(Float.init) })
        try SafeTensorsWriter.write(["hidden_states": hidden, "position_ids": positions],
                                   metadata: ["producer": "vlblocks cogvlm-layers", "layers": String(decoder.layers.count),
                                              "final_norm": String(decoder.norm != nil)],
                                   overrides: ["position_ids": .int64], to: output)
    }
}

/// `vlblocks cogvlm-vision --config config.json --weights W.safetensors --pixels P.safetensors --output OUT.safetensors`.
struct CogVLMVisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cogvlm-vision",
        abstract: "Run CogVLM's EVA2-CLIP vision side: pixels to the image rows of the language model, boi and eoi included.",
        discussion: """
            P holds pixel_values [B, 3, S, S] (F32, already normalised, S = vision_config.image_size). The weights file
            holds model.vision.*: the layers run are those it holds, and CogVLM2's 2x2 merge runs when model.vision.conv
            is present. OUT gets image_embeds [B, n_v, D] (F32): boi, the adapted patches, eoi.
            """
    )

    @Option(help: "CogVLM's config.json (with vision_config).") var config: String
    @Option(help: "The vision side's weights (safetensors): model.vision.*.") var weights: String
    @Option(help: "pixel_values [B, 3, S, S] (safetensors).") var pixels: String
    @Option(help: "Where to write image_embeds (safetensors).") var output: String
    @Option(help: "Threads for BLAS and VLBlocks' kernels (default: all cores).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        if let threads { ComputeThreads.set(threads) }
        let configuration = try CogVLMConfiguration(contentsOf: config)
        let values = try SafeTensorsFile(path: pixels).requiredTensor("pixel_values")
        let model = try CogVLMVisionModel.load(configuration: configuration, weights: try SafeTensorsFile(path: weights))
        try SafeTensorsWriter.write(["image_embeds": try model(values)],
                                   metadata: ["producer": "vlblocks cogvlm-vision", "layers": String(model.layers.count)], to: output)
    }
}
