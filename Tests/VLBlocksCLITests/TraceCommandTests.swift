import Foundation
import Testing
import VLBlocks
import VLTestSupport

/// `vlblocks trace` and `vlblocks diff` as a user runs them: against the PyTorch trace fixtures
/// (`Tools/reference/make_trace_fixtures.py`), and on checkpoints with one weight perturbed, where `diff` must name
/// the module that owns the weight (or its nearest recorded ancestor) as the first divergence.
@Suite struct TraceCommandTests {
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The fixture trace's input: the first image of `pixel_values_32x32`.
    static func writePixels(to path: String) throws {
        let pixels = try Fixtures.open("encoders/clip_vision/io")["pixel_values_32x32"].narrowed(axis: 0, start: 0, length: 1)
        try SafeTensorsWriter.write(["pixel_values": pixels], to: path)
    }

    @Test("trace then diff against the PyTorch trace: every module agrees (atol 1e-4), exit 0; --json names no divergence")
    func agreesWithPyTorch() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writePixels(to: folder + "/pixels.safetensors")
        var run = try CLIRunner.run(["trace", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", folder + "/pixels.safetensors",
                                     "--output", folder + "/swift.safetensors"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("29 modules recorded"))
        let reference = Fixtures.path("traces/clip_vision.safetensors")
        run = try CLIRunner.run(["diff", folder + "/swift.safetensors", reference, "--atol", "1e-4", "--json"])
        #expect(run.status == 0, "\(run.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(json["first_divergence"] is NSNull)
        #expect((json["tensors"] as! [[String: Any]]).count == 29 && (json["only_in_a"] as! [String]).isEmpty)
        // The contract's default tolerances (rtol 1e-5, atol 1e-6) are tighter than fp32 rounding through two layers:
        // the table marks the first module outside them and the exit status is 1.
        run = try CLIRunner.run(["diff", folder + "/swift.safetensors", reference])
        #expect(run.status == 1 && run.stdout.contains("first divergence:"))
        // A connector, with --modules.
        let c = Fixtures.path("connectors/c_abs")
        run = try CLIRunner.run(["trace", "--config", c + "/config.json", "--weights", c + "/weights.safetensors", "--input", c + "/io.safetensors",
                                 "--modules", "net.0.b1*", "--output", folder + "/c.safetensors"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try Trace(contentsOf: folder + "/c.safetensors")
        #expect(trace.order.first == "net.0.b1.conv1.conv" && trace.order.last == "net.0.b1" && trace.order.allSatisfy { $0.hasPrefix("net.0.b1") })
        #expect(trace["net.0.b1.conv1.conv"]?.shape == [2, 16, 6, 6])  // NCHW (a 6 x 6 grid), as the hook sees it
    }

    @Test("trace --precision int8, diffed against PyTorch's fp32 trace, diverges first at the first int8 module")
    func int8Divergence() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writePixels(to: folder + "/pixels.safetensors")
        var run = try CLIRunner.run(["trace", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", folder + "/pixels.safetensors",
                                     "--output", folder + "/int8.safetensors", "--precision", "int8"])
        #expect(run.status == 0, "\(run.stderr)")
        run = try CLIRunner.run(["diff", folder + "/int8.safetensors", Fixtures.path("traces/clip_vision.safetensors"), "--atol", "1e-4", "--json"])
        #expect(run.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        // The patch embedding and the norms before the first attention stay fp32 and agree.
        #expect(json["first_divergence"] as? String == "encoder.layers.0.self_attn.q_proj", "\(run.stdout.prefix(400))")
    }

    @Test("One perturbed weight: diff names the module that owns it (or its nearest recorded ancestor)",
          arguments: [("encoder.layers.1.mlp.fc2.weight", "encoder.layers.1.mlp.fc2"),
                      ("encoder.layers.0.layer_norm2.bias", "encoder.layers.0.layer_norm2"),
                      ("encoder.layers.1.self_attn.v_proj.weight", "encoder.layers.1.self_attn.v_proj"),
                      ("embeddings.class_embedding", "embeddings"),
                      ("post_layernorm.weight", "post_layernorm")])
    func perturbation(key: String, owner: String) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoint = folder + "/perturbed"
        try FileManager.default.createDirectory(atPath: checkpoint, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("encoders/clip_vision/config.json"), toPath: checkpoint + "/config.json")
        let file = try SafeTensorsFile(path: Fixtures.path("encoders/clip_vision/model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file[name] }
        var changed = try #require(tensors[key])
        changed.withUnsafeMutableBufferPointer { $0[0] += 0.5 }
        tensors[key] = changed
        try SafeTensorsWriter.write(tensors, to: checkpoint + "/model.safetensors")
        try Self.writePixels(to: folder + "/pixels.safetensors")
        let run1 = try CLIRunner.run(["trace", "--checkpoint", checkpoint, "--pixels", folder + "/pixels.safetensors", "--output", folder + "/p.safetensors"])
        #expect(run1.status == 0, "\(run1.stderr)")
        let run2 = try CLIRunner.run(["diff", folder + "/p.safetensors", Fixtures.path("traces/clip_vision.safetensors"), "--atol", "1e-4", "--json"])
        #expect(run2.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(run2.stdout.utf8)) as! [String: Any]
        #expect(json["first_divergence"] as? String == owner, "\(key): \(json["first_divergence"] ?? "nil")")
    }

    @Test("Bad input: no modules match, a file that is not safetensors, options that do not go together")
    func errors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writePixels(to: folder + "/pixels.safetensors")
        try "not a trace".write(toFile: folder + "/bad.safetensors", atomically: true, encoding: .utf8)
        var run = try CLIRunner.run(["trace", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--pixels", folder + "/pixels.safetensors",
                                     "--modules", "decoder.*", "--output", folder + "/t.safetensors"])
        #expect(run.status == 1 && run.stderr.contains("decoder.*"))
        run = try CLIRunner.run(["diff", folder + "/bad.safetensors", Fixtures.path("traces/clip_vision.safetensors")])
        #expect(run.status == 1 && !run.terminatedBySignal && run.stderr.contains("bad.safetensors"))
        run = try CLIRunner.run(["trace", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--config", "c.json", "--output", "x"])
        #expect(run.status == 64)
    }
}
