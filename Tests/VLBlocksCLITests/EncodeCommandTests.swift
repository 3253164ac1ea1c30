import Foundation
import Testing
import VLBlocks
import VLTestSupport
import VLTesting

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
            #expect(TensorComparison(try out[name], expected).maxAbsoluteError <= 1e-4 * scale, "\(name)")
        }
    }

    @Test("encode --precision int8 stays within the int8 accuracy bounds of transformers' fp32 outputs")
    func encodeInt8() throws {
        let io = try Fixtures.open("encoders/clip_vision/io")
        let pixels = Self.temporaryPath("pixels.safetensors"), output = Self.temporaryPath("out.safetensors")
        defer { try? FileManager.default.removeItem(atPath: pixels); try? FileManager.default.removeItem(atPath: output) }
        try SafeTensorsWriter.write(["pixel_values": try io["pixel_values_64x40"]], to: pixels)
        let result = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", pixels,
                                        "--output", output, "--precision", "int8"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try SafeTensorsFile(path: output)
        let pooled = TensorComparison(try out["pooler_output"], try io["pooler_output_64x40"])
        #expect(pooled.cosine >= 0.9995 && pooled.cosine < 1, "pooled cosine \(pooled.cosine)")
        let bad = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", pixels,
                                     "--output", output, "--precision", "int4"])
        #expect(bad.status != 0 && bad.stderr.contains("int4"))
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

    @Test("encode --feature-layer writes hidden_states[K] without prefix tokens, and its grid", arguments: [
        ("clip_vision", -2), ("clip_vision", 0), ("dinov2_registers_sharded", -1), ("dinov2_registers_sharded", 1),
    ])
    func featureLayer(tower: String, layer: Int) throws {
        let io = try Fixtures.open("encoders/\(tower)/io")
        let pixels = Self.temporaryPath("pixels.safetensors"), output = Self.temporaryPath("features.safetensors")
        defer { try? FileManager.default.removeItem(atPath: pixels); try? FileManager.default.removeItem(atPath: output) }
        try SafeTensorsWriter.write(["pixel_values": try io["pixel_values_64x40"]], to: pixels)
        let result = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/\(tower)"), "--pixels", pixels,
                                        "--output", output, "--feature-layer", String(layer)])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try SafeTensorsFile(path: output)
        let model = try VisionTower.load(directory: Fixtures.path("encoders/\(tower)"))
        let layers = model.configuration.layers, patch = model.configuration.patchSize
        let state = try io["hidden_states.\(layer < 0 ? layer + layers + 1 : layer)_64x40"]
        let prefix = model.embeddings.prefixTokens
        let expected = try state.narrowed(axis: 1, start: prefix, length: state.shape[1] - prefix)
        let features = try file["image_features"]
        #expect(features.shape == expected.shape)
        #expect(TensorComparison(features, expected).maxAbsoluteError <= 1e-5 * expected.scalars.map(abs).max()!)
        #expect(file.metadata["grid"] == "\(64 / patch)x\(40 / patch)")
        #expect(file.tensorNames == ["image_features"])
    }

    @Test("encode --feature-layer out of range is an option error")
    func featureLayerOutOfRange() throws {
        let pixels = Self.temporaryPath("pixels.safetensors")
        defer { try? FileManager.default.removeItem(atPath: pixels) }
        try SafeTensorsWriter.write(["pixel_values": Tensor(shape: [1, 3, 48, 48])], to: pixels)
        for layer in ["3", "-4"] {  // clip_vision has 2 layers: hidden_states[-3 ... 2]
            let result = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", pixels,
                                            "--output", Self.temporaryPath("out.safetensors"), "--feature-layer", layer])
            #expect(result.status == 64 && result.stderr.contains("--feature-layer"), "\(layer): \(result.stderr)")
        }
    }

    @Test("A non-square image: encode --image --feature-layer -2, then connect with avg-pool reads the grid")
    func nonSquareImageThroughConnect() throws {
        let folder = Self.temporaryPath("wide")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Fixtures.path("encoders/clip_vision/" + name), toPath: folder + "/" + name)
        }
        // A processor that resizes to 64 x 40 without cropping keeps the image wide: an 8 x 5 patch grid.
        try #"{"size": {"height": 40, "width": 64}, "do_center_crop": false}"#.write(toFile: folder + "/preprocessor_config.json",
                                                                                      atomically: true, encoding: .utf8)
        let config = #"{"projector_type": "avg-pool", "encoder_hidden_size": 32, "output_hidden_size": 16, "num_queries": 4}"#
        try config.write(toFile: folder + "/avg.json", atomically: true, encoding: .utf8)
        let connector = try AveragePoolingConfiguration(encoderHiddenSize: 32, outputHiddenSize: 16, numQueries: 4).randomConnector(seed: 3)
        try SafeTensorsWriter.write(connector.namedParameters, to: folder + "/avg.safetensors")
        var result = try CLIRunner.run(["encode", "--checkpoint", folder, "--image", Fixtures.path("images/coffee.jpg"),
                                        "--feature-layer", "-2", "--output", folder + "/features.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        let features = try SafeTensorsFile(path: folder + "/features.safetensors")
        #expect(features.metadata["grid"] == "5x8")
        #expect(try features["image_features"].shape == [1, 40, 32])
        result = try CLIRunner.run(["connect", "--config", folder + "/avg.json", "--weights", folder + "/avg.safetensors",
                                    "--input", folder + "/features.safetensors", "--output", folder + "/tokens.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        let tokens = try SafeTensorsFile(path: folder + "/tokens.safetensors")["tokens"]
        let expected = try connector(ImageFeatures(tokens: try features["image_features"], grid: PatchGrid(height: 5, width: 8)))
        #expect(tokens.shape == [1, 4, 16] && tokens.scalars == expected.scalars)
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
