import Foundation
import Testing
import VLCore
import VLTestSupport

/// `vlblocks cogvlm-layers`, `cogvlm-vision` and `bench cogvlm` on the release contract of issue 15, against the PyTorch
/// fixtures of `make_cogvlm_fixtures.py`. Tolerance: the contract's 1e-4 of the reference's largest magnitude, on kept
/// rows (padded rows are unspecified); position ids exact, stored as I64.
@Suite struct CogVLMCommandTests {
    static let cases = ["cogvlm1/two_images", "cogvlm1/left_padding", "cogvlm1/image_only", "cogvlm2/right_padding", "cogvlm2/text_only",
                        "cogvlm2/two_images"]

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The rows of `[B, L, D]` whose mask is 1.
    static func kept(_ x: Tensor, _ mask: Tensor?) throws -> Tensor {
        let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let keep = mask?.scalars ?? [Float](repeating: 1, count: b * l)
        return try x.reshaped([b * l, d]).indexSelected(axis: 0, indices: keep.indices.filter { keep[$0] != 0 })
    }

    @Test("cogvlm-layers writes hidden_states and position_ids matching PyTorch", arguments: cases)
    func layers(name: String) throws {
        let generation = String(name.split(separator: "/")[0])
        let folder = Fixtures.path("cogvlm/\(generation)")
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLIRunner.run(["cogvlm-layers", "--config", folder + "/config.json", "--weights", folder + "/layers.safetensors",
                                        "--input", Fixtures.path("cogvlm/\(name).safetensors"), "--output", directory + "/out.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        let io = try Fixtures.open("cogvlm/\(name)")
        let out = try SafeTensorsFile(path: directory + "/out.safetensors")
        let mask = io.entry(named: "attention_mask") == nil ? nil : try io["attention_mask"]
        let expected = try Self.kept(try io["hidden_states"], mask)
        let error = TensorComparison(try Self.kept(try out["hidden_states"], mask), expected).maxAbsoluteError
        #expect(error <= 1e-4 * expected.scalars.map(abs).max()!, "\(name): \(error)")
        #expect(out.entry(named: "hidden_states")?.dtype == .float32)
        #expect(out.entry(named: "position_ids")?.dtype == .int64)
        #expect(try out["position_ids"].scalars == (try io["position_ids"]).scalars)
        #expect(out.metadata["layers"] == "2" && out.metadata["final_norm"] == "true")
    }

    @Test("cogvlm-vision writes image_embeds matching PyTorch", arguments: ["cogvlm1", "cogvlm2"])
    func vision(generation: String) throws {
        let folder = Fixtures.path("cogvlm/\(generation)")
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLIRunner.run(["cogvlm-vision", "--config", folder + "/config.json", "--weights", folder + "/vision.safetensors",
                                        "--pixels", folder + "/vision_io.safetensors", "--output", directory + "/out.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try Fixtures.open("cogvlm/\(generation)/vision_io")["image_embeds"]
        let actual = try SafeTensorsFile(path: directory + "/out.safetensors")["image_embeds"]
        #expect(actual.shape == expected.shape)
        #expect(TensorComparison(actual, expected).maxAbsoluteError <= 1e-4 * expected.scalars.map(abs).max()!)
    }

    @Test("Bad token types, masks, shapes, keys and configs exit 1 with a message naming them")
    func errors() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = Fixtures.path("cogvlm/cogvlm1")
        let embeds = Tensor(shape: [1, 4, 32])
        try SafeTensorsWriter.write(["inputs_embeds": embeds, "token_type_ids": try Tensor(shape: [1, 4], scalars: [0, 1, 2, 0])],
                                    overrides: ["token_type_ids": .int64], to: directory + "/types.safetensors")
        try SafeTensorsWriter.write(["inputs_embeds": embeds, "token_type_ids": Tensor(shape: [1, 4]),
                                     "attention_mask": try Tensor(shape: [1, 4], scalars: [1, 1, 5, 1])],
                                    overrides: ["token_type_ids": .int64, "attention_mask": .int64], to: directory + "/mask.safetensors")
        try SafeTensorsWriter.write(["inputs_embeds": embeds, "token_type_ids": Tensor(shape: [1, 5])], to: directory + "/shape.safetensors")
        try SafeTensorsWriter.write(["inputs_embeds": Tensor(shape: [1, 4, 30]), "token_type_ids": Tensor(shape: [1, 4])],
                                    to: directory + "/width.safetensors")
        try SafeTensorsWriter.write(["token_type_ids": Tensor(shape: [1, 4])], to: directory + "/none.safetensors")
        try SafeTensorsWriter.write(["pixel_values": Tensor(shape: [1, 3, 20, 20])], to: directory + "/pixels.safetensors")
        let layers = ["cogvlm-layers", "--config", folder + "/config.json", "--weights", folder + "/layers.safetensors", "--output",
                      directory + "/out.safetensors", "--input"]
        let cases: [([String], String)] = [
            (layers + [directory + "/types.safetensors"], "token_type_ids has shape [1, 4], expected values 0 (language) or 1 (vision); found 2.0 at [0, 2]"),
            (layers + [directory + "/mask.safetensors"], "attention_mask has shape [1, 4], expected values 0 (padding) or 1 (kept); found 5.0 at [0, 2]"),
            (layers + [directory + "/shape.safetensors"], "inputs_embeds has shape [1, 4, 32], expected [1, 5, 32]"),
            (layers + [directory + "/width.safetensors"], "inputs_embeds has shape [1, 4, 30], expected [1, 4, 32]"),
            (layers + [directory + "/none.safetensors"], "has no tensor named 'inputs_embeds'"),
            (["cogvlm-layers", "--config", folder + "/config.json", "--weights", folder + "/vision.safetensors", "--output",
              directory + "/out.safetensors", "--input", folder + "/two_images.safetensors"],
             "missing parameter 'model.layers.0.input_layernorm.weight' (expected shape [32]); nearest existing keys: model.vision."),
            (["cogvlm-layers", "--config", Fixtures.path("cogvlm/cogvlm2/config.json"), "--weights", folder + "/layers.safetensors", "--output",
              directory + "/out.safetensors", "--input", folder + "/two_images.safetensors"],
             "parameter 'model.layers.0.self_attn.vision_expert_query_key_value.weight' has shape [96, 32], expected [64, 32]"),
            (["cogvlm-layers", "--config", directory + "/missing.json", "--weights", folder + "/layers.safetensors", "--output",
              directory + "/out.safetensors", "--input", folder + "/two_images.safetensors"], "missing or unreadable"),
            (["cogvlm-vision", "--config", folder + "/config.json", "--weights", folder + "/vision.safetensors", "--output",
              directory + "/out.safetensors", "--pixels", directory + "/pixels.safetensors"], "pixel_values has shape [1, 3, 20, 20], expected [B, 3, 16, 16]"),
            (["cogvlm-vision", "--config", folder + "/config.json", "--weights", folder + "/layers.safetensors", "--output",
              directory + "/out.safetensors", "--pixels", folder + "/vision_io.safetensors"], "missing parameter 'model.vision.patch_embedding.proj.weight'"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(arguments)
            #expect(result.status == 1 && !result.terminatedBySignal, "\(arguments.last!): \(result.stderr)")
            #expect(result.stderr.contains(message), "expected '\(message)' in: \(result.stderr)")
        }
    }

    @Test("bench cogvlm prints one JSON line: expert and plain times, the same FLOPs, twice the parameters")
    func bench() throws {
        let result = try CLIRunner.run(["bench", "cogvlm", "--generation", "cogvlm2", "--hidden-size", "64", "--intermediate-size", "96",
                                        "--vision", "6", "--text", "4", "--runs", "1", "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        for key in ["expert_min_ms", "plain_min_ms", "expert_ms_per_token", "plain_ms_per_token", "gflops", "expert_params", "plain_params"] {
            #expect(fields[key] != nil, "\(key)")
        }
        // D 64, 32 heads of 2 over 8 key-value heads: QKV 64 + 2·16 = 96 wide; SwiGLU 96.
        let expert = 64 * 96 + 64 * 64 + 3 * 64 * 96
        #expect(fields["plain_params"] as? Int == expert + 2 * 64)
        #expect(fields["expert_params"] as? Int == 2 * expert + 96 + 2 * 64)
    }
}
