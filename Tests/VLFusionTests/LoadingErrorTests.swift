import Foundation
import Testing
import VLCore
import VLFusion
import VLTestSupport

/// Strict loading and typed configuration errors: each names the key (exact messages).
@Suite struct LoadingErrorTests {
    @Test("Missing, misshapen and unused keys are ParameterErrors naming the key")
    func strictLoading() throws {
        let directory = try FusionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try FusionFixtures.configuration("cogvlm2")
        let file = try FusionFixtures.file("cogvlm2", "layers")
        let key = "model.layers.1.self_attn.vision_expert_query_key_value.bias"
        let missing = try FusionFixtures.rewritten(file, in: directory) { $0[key] = nil }
        #expect(throws: ParameterError.missing(path: key, expectedShape: [64],
                                               nearest: ["model.layers.0.self_attn.vision_expert_query_key_value.bias",
                                                         "model.layers.1.self_attn.vision_expert_query_key_value.weight",
                                                         "model.layers.0.self_attn.vision_expert_query_key_value.weight"])) {
            try VisualExpertDecoder.load(configuration: configuration, weights: missing)
        }
        let misshapen = try FusionFixtures.rewritten(file, in: directory) { $0["model.layers.0.mlp.vision_mlp.up_proj.weight"] = Tensor(shape: [48, 32]) }
        #expect(throws: ParameterError.shapeMismatch(path: "model.layers.0.mlp.vision_mlp.up_proj.weight", expected: [56, 32], actual: [48, 32])) {
            try VisualExpertDecoder.load(configuration: configuration, weights: misshapen)
        }
        // A layer after a gap, and another part of the model, are read by nobody.
        let extra = try FusionFixtures.rewritten(file, in: directory) { tensors in
            tensors["model.layers.3.input_layernorm.weight"] = Tensor(shape: [32])
            tensors["model.vision.boi"] = Tensor(shape: [1, 1, 32])
        }
        #expect(throws: ParameterError.unused(paths: ["model.layers.3.input_layernorm.weight", "model.vision.boi"])) {
            try VisualExpertDecoder.load(configuration: configuration, weights: extra)
        }
        // Nothing to run: a file with another prefix.
        let renamed = try FusionFixtures.rewritten(file, in: directory) { tensors in
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { ("language_model." + $0.key.dropFirst("model.".count), $0.value) })
        }
        #expect(throws: ParameterError.self) { try VisualExpertDecoder.load(configuration: configuration, weights: renamed) }
        do {
            _ = try VisualExpertDecoder.load(configuration: configuration, weights: renamed)
        } catch let error as ParameterError {
            guard case .missing(let path, _, let nearest) = error else { Issue.record("\(error)"); return }
            #expect(path == "model.layers.0.input_layernorm.weight")
            #expect(nearest.first == "language_model.layers.0.input_layernorm.weight")
        }
        // The CogVLM2 weights under CogVLM's config: the vision QKV bias is unused, the projections the wrong width.
        let cogvlm1 = try FusionFixtures.configuration("cogvlm1")
        #expect(throws: ParameterError.self) { try VisualExpertDecoder.load(configuration: cogvlm1, weights: file) }
        // A merge to D read as CogVLM's vision side (no conv): the adapter then has the wrong input width.
        let vision = try FusionFixtures.rewritten(try FusionFixtures.file("cogvlm2", "vision_merge_to_hidden"), in: directory) { tensors in
            tensors = tensors.filter { !$0.key.hasPrefix("model.vision.conv.") }
        }
        #expect(throws: ParameterError.shapeMismatch(path: "model.vision.linear_proj.linear_proj.weight", expected: [32, 24], actual: [32, 32])) {
            try CogVLMVisionModel.load(configuration: configuration, weights: vision)
        }
        // A merge conv whose input is not the tower's width.
        let conv = try FusionFixtures.rewritten(try FusionFixtures.file("cogvlm2", "vision"), in: directory) { tensors in
            tensors["model.vision.conv.weight"] = Tensor(shape: [24, 20, 2, 2])
        }
        #expect(throws: ParameterError.shapeMismatch(path: "model.vision.conv.weight", expected: [24, 24, 2, 2], actual: [24, 20, 2, 2])) {
            try CogVLMVisionModel.load(configuration: configuration, weights: conv)
        }
    }

    @Test("Configs: keys as CogVLM's config.json names them, defaults, and errors naming the key")
    func configurations() throws {
        let cogvlm1 = try FusionFixtures.configuration("cogvlm1")
        #expect(cogvlm1.generation == .cogvlm && cogvlm1.rotaryBase == 10_000 && cogvlm1.keyValueHeadCount == 4)
        #expect(cogvlm1.vision?.positions == 17 && cogvlm1.vision?.layerNormEpsilon == 1e-6 && cogvlm1.vision?.activation == .gelu)
        let cogvlm2 = try FusionFixtures.configuration("cogvlm2")
        #expect(cogvlm2.generation == .cogvlm2 && cogvlm2.rotaryBase == 500_000 && cogvlm2.queryKeyValueWidth == 64)
        func decode(_ json: String) throws -> CogVLMConfiguration {
            try ConfigurationDecoding.decode(CogVLMConfiguration.self, from: Data(json.utf8), file: "config.json")
        }
        let base = #""hidden_size": 64, "intermediate_size": 96, "num_attention_heads": 4"#
        #expect(try decode("{\(base), \"rope_theta\": 1000000}").rotaryBase == 1_000_000)
        #expect(try decode("{\(base), \"rope_base\": 20000}").rotaryBase == 20_000)
        #expect(try decode("{\(base)}").rmsNormEpsilon == 1e-5)
        #expect(throws: ConfigurationError(field: "config.json: num_attention_heads", reason: "missing (required)")) {
            try decode(#"{"hidden_size": 64, "intermediate_size": 96}"#)
        }
        #expect(throws: ConfigurationError(field: "config.json: num_multi_query_heads", reason: "3 key-value heads do not divide 4 heads")) {
            try decode("{\(base), \"num_multi_query_heads\": 3}")
        }
        #expect(throws: ConfigurationError.self) { try decode(#"{"hidden_size": 60, "intermediate_size": 96, "num_attention_heads": 8}"#) }
        #expect(throws: ConfigurationError(field: "config.json: hidden_act", reason: "'gelu' is not supported; CogVLM's experts use silu")) {
            try decode("{\(base), \"hidden_act\": \"gelu\"}")
        }
        #expect(throws: ConfigurationError(field: "config.json: vision_config.num_positions", reason: "10 positions for a 4 x 4 grid (expected 17)")) {
            try decode("{\(base), \"vision_config\": {\"hidden_size\": 8, \"intermediate_size\": 16, \"num_heads\": 2, \"patch_size\": 4, \"image_size\": 16, \"num_positions\": 10}}")
        }
        // Encoding writes the same keys back.
        let encoded = try JSONEncoder().encode(cogvlm2)
        #expect(try ConfigurationDecoding.decode(CogVLMConfiguration.self, from: encoded) == cogvlm2)
        // The real configurations validate.
        try CogVLMConfiguration.cogvlm.validate()
        try CogVLMConfiguration.cogvlm2.validate()
        #expect(CogVLMConfiguration.cogvlm.vision?.positions == 1226 && CogVLMConfiguration.cogvlm2.vision?.positions == 9217)
    }

    @Test("The vision side needs vision_config, and an even grid for the merge")
    func visionConfiguration() throws {
        var configuration = try FusionFixtures.configuration("cogvlm2")
        configuration.vision = nil
        #expect(throws: ConfigurationError.self) {
            try CogVLMVisionModel.load(configuration: configuration, weights: try FusionFixtures.file("cogvlm2", "vision"))
        }
        configuration = try FusionFixtures.configuration("cogvlm2")
        configuration.vision?.imageSize = 12
        configuration.vision?.positions = 10
        #expect(throws: ConfigurationError(field: "vision_config.image_size", reason: "the 2x2 merge needs an even grid; 12 / 4 = 3")) {
            try CogVLMVisionModel(ParameterLoader(randomSeed: 1).root, configuration: configuration, layerCount: 1, mergeWidth: 24)
        }
    }

    @Test("inputs_embeds of another shape are a ShapeError naming it")
    func wrongEmbeddings() throws {
        let decoder = try VisualExpertDecoder.load(configuration: try FusionFixtures.configuration("cogvlm1"),
                                                   weights: try FusionFixtures.file("cogvlm1", "layers"))
        let routing = try ExpertRouting(tokenTypeIDs: [[0, 1, 1, 0]])
        #expect(throws: ShapeError(path: "model", tensor: "inputs_embeds", expected: "[1, 4, 32]", actual: [1, 4, 31])) {
            try decoder(inputsEmbeds: Tensor(shape: [1, 4, 31]), routing: routing)
        }
        #expect(throws: ShapeError.self) { try decoder(inputsEmbeds: Tensor(shape: [2, 4, 32]), routing: routing) }
    }
}
