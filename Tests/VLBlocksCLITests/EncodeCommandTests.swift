import Foundation
import Testing
import VLCore
import VLTestSupport

@Suite struct EncodeCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)-\(name)").path
    }

    @Test("encode writes last_hidden_state, pooler_output and hidden_states matching transformers", arguments: ["clip_vision", "dinov2_registers_sharded"])
    func encodeMatchesFixture(tower: String) throws {
        let io = try Fixtures.open("encoders/\(tower)/io")
        let pixels = Self.temporaryPath("pixels.safetensors"), output = Self.temporaryPath("out.safetensors")
        defer { try? FileManager.default.removeItem(atPath: pixels); try? FileManager.default.removeItem(atPath: output) }
        try SafeTensorsWriter.write(["pixel_values": try io["pixel_values_64x40"]], to: pixels)
        let result = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/\(tower)"), "--pixels", pixels,
                                        "--output", output, "--hidden-states"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try SafeTensorsFile(path: output)
        for name in ["last_hidden_state", "pooler_output", "hidden_states.0", "hidden_states.2"] {
            let expected = try io["\(name)_64x40"]
            let scale = expected.scalars.map(abs).max()!
            #expect(difference(try out[name], expected).maxAbsolute <= 1e-4 * scale, "\(name)")
        }
    }

    @Test("encode rejects bad pixels and checkpoints with a message and exit status 1")
    func badInputs() throws {
        let folder = Self.temporaryPath("inputs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func pixels(_ shape: [Int]) throws -> String {
            let path = folder + "/pixels-\(shape.map(String.init).joined(separator: "x")).safetensors"
            try SafeTensorsWriter.write(["pixel_values": Tensor(shape: shape)], to: path)
            return path
        }
        func checkpoint(_ name: String, config: String) throws -> String {
            let path = folder + "/" + name
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try config.write(toFile: path + "/config.json", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: Fixtures.path("encoders/clip_vision/model.safetensors"), toPath: path + "/model.safetensors")
            return path
        }
        let clip = Fixtures.path("encoders/clip_vision")
        let good = try pixels([1, 3, 48, 48])
        let cases: [([String], String)] = [
            (["--checkpoint", clip, "--pixels", try pixels([1, 3, 50, 48])], "multiples of 8"),
            (["--checkpoint", clip, "--pixels", try pixels([3, 48, 48])], "[B, 3, H, W]"),
            (["--checkpoint", clip, "--pixels", try pixels([1, 1, 48, 48])], "[1, 1, 48, 48]"),
            (["--checkpoint", "/no/such/dir", "--pixels", good], "config.json"),
            (["--checkpoint", try checkpoint("vit", config: #"{"model_type": "vit"}"#), "--pixels", good], "'vit'"),
            (["--checkpoint", try checkpoint("notjson", config: "model_type = clip"), "--pixels", good], "JSON"),
            (["--checkpoint", try checkpoint("wrongwidth", config: #"{"model_type": "clip_vision_model", "hidden_size": 64, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 48, "patch_size": 8}"#),
              "--pixels", good], "[64, 3, 8, 8]"),
            (["--checkpoint", clip, "--pixels", Fixtures.path("safetensors/malformed/hole.safetensors")], "hole"),
            (["--checkpoint", clip, "--pixels", Fixtures.path("safetensors/valid/mixed.safetensors")], "pixel_values"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(["encode"] + arguments + ["--output", folder + "/out.safetensors"])
            #expect(result.status == 1 && !result.terminatedBySignal, "\(arguments): status \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test("bench encoder prints one JSON line with the documented keys")
    func benchJSON() throws {
        let result = try CLIRunner.run(["bench", "encoder", "--preset", "dinov2-s14", "--resolution", "56", "--runs", "1",
                                        "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first)
        let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        for key in ["preset", "resolution", "batch", "threads", "min_ms", "median_ms", "gflops"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["resolution"] as? Int == 56)
    }
}
