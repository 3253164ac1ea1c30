import Foundation
import Testing
import VLCore
import VLTestSupport
import VLTesting

@Suite struct ConnectCommandTests {
    @Test("connect writes tokens matching PyTorch", arguments: ["c_abs", "i_mof", "attn_pool", "qformer_every_second",
                                                                "perceiver_idefics2_gqa1", "perceiver_flamingo_qk_norms"])
    func connect(name: String) throws {
        let folder = Fixtures.path("connectors/\(name)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run(["connect", "--config", folder + "/config.json", "--weights", folder + "/weights.safetensors",
                                        "--input", folder + "/io.safetensors", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try Fixtures.open("connectors/\(name)/io")["tokens"]
        let tokens = try SafeTensorsFile(path: output)["tokens"]
        #expect(TensorComparison(tokens, expected).maxAbsoluteError <= 1e-4 * expected.scalars.map(abs).max()!)
    }

    @Test("connect: bad configs, weights and inputs exit 1 with a message")
    func errors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = Fixtures.path("connectors/avg_pool_6x6_to_3x3")
        try "not json".write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        try #"{"projector_type": "perceiver"}"#.write(toFile: directory + "/unknown.json", atomically: true, encoding: .utf8)
        try SafeTensorsWriter.write(["image_features": Tensor(shape: [1, 35, 24])], to: directory + "/nonsquare.safetensors")
        try SafeTensorsWriter.write(["image_features": Tensor(shape: [1, 36, 23])], to: directory + "/narrow.safetensors")
        let cases: [([String], String)] = [
            (["--config", directory + "/bad.json", "--weights", good + "/weights.safetensors", "--input", good + "/io.safetensors"], "not valid JSON"),
            (["--config", directory + "/unknown.json", "--weights", good + "/weights.safetensors", "--input", good + "/io.safetensors"], "unknown projector_type 'perceiver'"),
            (["--config", good + "/config.json", "--weights", Fixtures.path("connectors/mlp2x_gelu/weights.safetensors"), "--input", good + "/io.safetensors"], "missing parameter 'readout.0.weight'"),
            (["--config", good + "/config.json", "--weights", good + "/weights.safetensors", "--input", directory + "/nonsquare.safetensors"], "square number of tokens"),
            (["--config", good + "/config.json", "--weights", good + "/weights.safetensors", "--input", directory + "/narrow.safetensors"], "[B, N, 24]"),
            (["--config", "/no/such.json", "--weights", good + "/weights.safetensors", "--input", good + "/io.safetensors"], "missing or unreadable"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(["connect"] + arguments + ["--output", directory + "/out.safetensors"])
            #expect(result.status == 1 && !result.terminatedBySignal, "\(arguments)")
            #expect(result.stderr.contains(message), "expected '\(message)' in: \(result.stderr)")
        }
    }

    @Test("connect takes the grid from the input's metadata, or from --grid, which overrides it")
    func grid() throws {
        let folder = Fixtures.path("connectors/avg_pool_grid_8x6_to_3x3")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let common = ["connect", "--config", folder + "/config.json", "--weights", folder + "/weights.safetensors"]
        let expected = try Fixtures.open("connectors/avg_pool_grid_8x6_to_3x3/io")["tokens"]
        // The fixture's io file says grid = 8x6 in its metadata.
        var result = try CLIRunner.run(common + ["--input", folder + "/io.safetensors", "--output", directory + "/meta.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(TensorComparison(try SafeTensorsFile(path: directory + "/meta.safetensors")["tokens"], expected).maxAbsoluteError <= 1e-5)
        // The same features without metadata need --grid.
        let bare = directory + "/bare.safetensors"
        try SafeTensorsWriter.write(["image_features": try Fixtures.open("connectors/avg_pool_grid_8x6_to_3x3/io")["image_features"]], to: bare)
        result = try CLIRunner.run(common + ["--input", bare, "--output", directory + "/bare-out.safetensors"])
        #expect(result.status == 1 && result.stderr.contains("square number of tokens"), "\(result.stderr)")
        result = try CLIRunner.run(common + ["--input", bare, "--grid", "8x6", "--output", directory + "/flag.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(TensorComparison(try SafeTensorsFile(path: directory + "/flag.safetensors")["tokens"], expected).maxAbsoluteError <= 1e-5)
        // --grid overrides the metadata: 6 x 8 pools other windows.
        result = try CLIRunner.run(common + ["--input", folder + "/io.safetensors", "--grid", "6x8", "--output", directory + "/over.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(TensorComparison(try SafeTensorsFile(path: directory + "/over.safetensors")["tokens"], expected).maxAbsoluteError > 1e-3)
        // A grid that does not hold the tokens, and a malformed one.
        result = try CLIRunner.run(common + ["--input", bare, "--grid", "7x7", "--output", directory + "/bad.safetensors"])
        #expect(result.status == 1 && result.stderr.contains("49 patch tokens for a 7x7 grid"), "\(result.stderr)")
        result = try CLIRunner.run(common + ["--input", bare, "--grid", "8by6", "--output", directory + "/bad.safetensors"])
        #expect(result.status == 64, "\(result.stderr)")
    }

    @Test("connect --precision int8: tokens within the int8 accuracy bounds of PyTorch's fp32 ones", arguments: ["c_abs", "attn_pool", "qformer_every_second"])
    func connectInt8(name: String) throws {
        let folder = Fixtures.path("connectors/\(name)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run(["connect", "--config", folder + "/config.json", "--weights", folder + "/weights.safetensors",
                                        "--input", folder + "/io.safetensors", "--output", output, "--precision", "int8"])
        #expect(result.status == 0, "\(result.stderr)")
        let comparison = TensorComparison(try SafeTensorsFile(path: output)["tokens"], try Fixtures.open("connectors/\(name)/io")["tokens"])
        #expect(comparison.cosine >= 0.999 && comparison.cosine < 1, "\(name): cosine \(comparison.cosine)")
    }

    @Test("bench connectors prints one JSON line per case")
    func bench() throws {
        let result = try CLIRunner.run(["bench", "connectors", "--grid", "6", "--dv", "32", "--dl", "48", "--tokens", "4,9",
                                        "--runs", "1", "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 9)  // 3 connectors x 2 token counts + mlp2x_gelu, qformer, perceiver-idefics2
        var fixed: [String: Int] = [:]
        for line in lines {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for key in ["connector", "tokens", "params", "gflops", "min_ms", "median_ms"] { #expect(json[key] != nil) }
            #expect(json["precision"] as? String == "fp32")
            fixed[json["connector"] as! String] = json["tokens"] as? Int
        }
        #expect(fixed["qformer"] == 32 && fixed["perceiver-idefics2"] == 64 && fixed["mlp2x_gelu"] == 36)
    }
}
