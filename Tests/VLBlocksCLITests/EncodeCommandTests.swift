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
        let pixels = Self.temporaryPath("bad.safetensors")
        defer { try? FileManager.default.removeItem(atPath: pixels) }
        try SafeTensorsWriter.write(["pixel_values": Tensor(shape: [1, 3, 50, 48])], to: pixels)
        let cases: [([String], String)] = [
            (["--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", pixels], "multiples of 8"),
            (["--checkpoint", "/no/such/dir", "--pixels", pixels], "config.json"),
            (["--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", Fixtures.path("safetensors/malformed/hole.safetensors")], "hole"),
            (["--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", Fixtures.path("safetensors/valid/mixed.safetensors")], "pixel_values"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(["encode"] + arguments + ["--output", Self.temporaryPath("x.safetensors")])
            #expect(result.status != 0 && !result.terminatedBySignal, "\(arguments)")
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
