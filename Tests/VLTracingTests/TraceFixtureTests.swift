import Foundation
import Testing
import VLBlocks
import VLTestSupport
import VLTesting

/// Traces recorded by VLBlocks against the traces `Tools/trace/torch_trace.py` records from transformers and the
/// reference modules (`Tools/reference/make_trace_fixtures.py`) on the same weights and inputs: the same module paths in
/// the same order, and every module's output within 1e-5 of that tensor's scale (max |a - b| <= 1e-5 x max |b|).
@Suite struct TraceFixtureTests {
    static let towers = ["clip_vision", "siglip_full", "dinov2_swiglu", "dinov2_registers_sharded"]
    static let texts = ["clip_text", "siglip_text"]
    static let connectors = ["mlp2x_gelu", "avg_pool_grid_8x6_to_3x3", "attn_pool", "c_abs", "i_mof", "a_mof", "qformer_padded",
                             "perceiver_idefics2_padded", "perceiver_flamingo_qk_norms"]

    /// The fixture's metadata: the weights folder and the io tensors that were fed (first batch element).
    static func reference(_ name: String) throws -> (trace: Trace, folder: String, inputs: [String]) {
        let path = Fixtures.path("traces/\(name).safetensors")
        let metadata = try SafeTensorsFile(path: path).metadata
        return (try Trace(contentsOf: path), metadata["fixture"]!, metadata["input"]!.split(separator: ",").map(String.init))
    }

    /// The first batch element of an io tensor.
    static func first(_ file: SafeTensorsFile, _ name: String) throws -> Tensor {
        try file[name].narrowed(axis: 0, start: 0, length: 1)
    }

    static func check(_ trace: Trace, against reference: Trace, _ name: String) {
        #expect(trace.order == reference.order, "\(name): module paths or their order differ")
        for path in reference.order {
            guard let actual = trace[path], let expected = reference[path] else { continue }
            let comparison = TensorComparison(actual, expected)
            let scale = expected.scalars.map(abs).max() ?? 0
            #expect(actual.shape == expected.shape && comparison.maxAbsoluteError <= 1e-5 * max(scale, 1e-6),
                    "\(name) \(path): \(comparison)")
        }
    }

    @Test("Vision towers record transformers' module paths and outputs", arguments: towers)
    func tower(name: String) throws {
        let (reference, folder, inputs) = try Self.reference(name)
        let tower = try VisionTower.load(directory: Fixtures.path(folder))
        let pixels = try Self.first(try Fixtures.open("\(folder)/io"), inputs[0])
        let (output, trace) = try Tracing.record { try tower.encode(pixels) }
        Self.check(trace, against: reference, name)
        // Tracing runs the composed blocks; the fused path gives the same outputs.
        let fused = try tower.encode(pixels)
        #expect(TensorComparison(output.lastHiddenState, fused.lastHiddenState, rtol: 0, atol: 1e-5 * 8).passed)
    }

    @Test("Text towers record transformers' module paths and outputs", arguments: texts)
    func text(name: String) throws {
        let (reference, folder, _) = try Self.reference(name)
        let text = try #require(try DualEncoder.load(directory: Fixtures.path(folder)).text)
        let io = try Fixtures.open("\(folder)/io")
        func rows(_ t: Tensor) -> [[Int]] { [(0..<t.shape[1]).map { Int(t[0, $0]) }] }
        let ids = rows(try Self.first(io, "input_ids")), mask = rows(try Self.first(io, "attention_mask"))
        let (_, trace) = try Tracing.record {
            try text.encode(inputIDs: ids, attentionMask: name.hasPrefix("clip") ? mask : nil, lastHiddenState: false)
        }
        Self.check(trace, against: reference, name)
    }

    @Test("Connectors and mixtures record the reference modules' paths and outputs", arguments: connectors)
    func connector(name: String) throws {
        let (reference, folder, inputs) = try Self.reference(name)
        let projector = try Projector.load(try ProjectorConfiguration(contentsOf: Fixtures.path("\(folder)/config.json")),
                                           weights: try SafeTensorsFile(path: Fixtures.path("\(folder)/weights.safetensors")))
        let io = try Fixtures.open("\(folder)/io")
        var named: [String: Tensor] = [:]
        for input in inputs where io.entry(named: input) != nil { named[input] = try Self.first(io, input) }
        let grid = io.metadata["grid"].flatMap(PatchGrid.init)
        let (_, trace) = try Tracing.record { try projector(named, grid: grid) }
        Self.check(trace, against: reference, name)
    }

    @Test("A filter records the matching paths only; `*` crosses dots; nothing is recorded outside record(_:)")
    func filter() throws {
        let tower = try VisionTower.load(directory: Fixtures.path("encoders/clip_vision"))
        let pixels = try Self.first(try Fixtures.open("encoders/clip_vision/io"), "pixel_values_32x32")
        let (_, trace) = try Tracing.record(modules: ModuleFilter(parsing: "encoder.*.mlp, post_layernorm")) { try tower.encode(pixels) }
        #expect(trace.order == ["encoder.layers.0.mlp", "encoder.layers.1.mlp", "post_layernorm"])
        let (_, single) = try Tracing.record(modules: ModuleFilter(["encoder.layers.?.self_attn.q_proj"])) { try tower.encode(pixels) }
        #expect(single.order == ["encoder.layers.0.self_attn.q_proj", "encoder.layers.1.self_attn.q_proj"])
        let (_, none) = try Tracing.record(modules: ModuleFilter(["decoder*"])) { try tower.encode(pixels) }
        #expect(none.isEmpty)
    }
}
