import Foundation
import Testing
import VLCore
import VLFusion
import VLTestSupport

/// The visual-expert decoder layers against the PyTorch reference (transformers' Llama pieces + CogVLM's routing;
/// `make_cogvlm_fixtures.py`), CogVLM and CogVLM2, every case (two images in one sequence, text only, image only, left
/// and right padding), on every kernel path, loaded strictly from the checkpoint keys.
///
/// Tolerance, on the kept rows (padded rows are unspecified): each layer's output and the final hidden states within
/// 1e-5 of the reference's largest magnitude (the contract asks 1e-4).
@Suite struct VisualExpertFixtureTests {
    static func decoder(_ generation: String, path: KernelPath) throws -> VisualExpertDecoder {
        try VisualExpertDecoder.load(configuration: try FusionFixtures.configuration(generation),
                                     weights: try FusionFixtures.file(generation, "layers"), packWeights: path.packWeights)
    }

    @Test("Every layer and the final norm match PyTorch (OpenBLAS, packed, packed and split)",
          arguments: FusionFixtures.all, KernelPath.allCases)
    func matches(fixture: (String, String), path: KernelPath) throws {
        let (generation, name) = fixture
        let decoder = try Self.decoder(generation, path: path)
        #expect(decoder.layers.count == 2 && decoder.norm != nil)
        let io = try FusionFixtures.file(generation, name)
        let routing = try FusionFixtures.routing(io)
        let mask = io.entry(named: "attention_mask") == nil ? nil : try io["attention_mask"]
        let states = try path.run { try decoder.hiddenStates(inputsEmbeds: try io["inputs_embeds"], routing: routing) }
        #expect(states.count == 3)
        for (i, label) in ["layer_outputs.0", "layer_outputs.1", "hidden_states"].enumerated() {
            let actual = try FusionFixtures.keptRows(states[i], mask: mask)
            let expected = try FusionFixtures.keptRows(try io[label], mask: mask)
            let scale = expected.scalars.map(abs).max() ?? 1
            #expect(actual.shape == expected.shape)
            let error = TensorComparison(actual, expected).maxAbsoluteError
            #expect(error <= 1e-5 * scale, "\(generation) \(name) \(label): max error \(error) at scale \(scale)")
        }
    }

    @Test("A file with fewer layers runs those; without model.norm the output is the last layer's")
    func layerCountFromTheFile() throws {
        let directory = try FusionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try FusionFixtures.configuration("cogvlm2")
        let io = try FusionFixtures.file("cogvlm2", "two_images")
        let routing = try FusionFixtures.routing(io)
        let oneLayer = try FusionFixtures.rewritten(try FusionFixtures.file("cogvlm2", "layers"), in: directory) { tensors in
            tensors = tensors.filter { !$0.key.hasPrefix("model.layers.1.") && $0.key != "model.norm.weight" }
        }
        let decoder = try VisualExpertDecoder.load(configuration: configuration, weights: oneLayer)
        #expect(decoder.layers.count == 1 && decoder.norm == nil)
        let out = try decoder(inputsEmbeds: try io["inputs_embeds"], routing: routing)
        let expected = try io["layer_outputs.0"]
        #expect(TensorComparison(out, expected).maxAbsoluteError <= 1e-5 * (expected.scalars.map(abs).max() ?? 1))
    }

    /// Exact: the exported tensors are the loaded ones.
    @Test("Parameters round-trip under the checkpoint keys (CogVLM's old inv_freq buffer is ignored)", arguments: FusionFixtures.generations)
    func roundTrip(generation: String) throws {
        let file = try FusionFixtures.file(generation, "layers")
        let decoder = try VisualExpertDecoder.load(configuration: try FusionFixtures.configuration(generation), weights: file, packWeights: true)
        let exported = decoder.namedParameters
        let stored = Set(file.tensorNames.filter { !$0.hasSuffix("rotary_emb.inv_freq") })
        #expect(file.tensorNames.contains { $0.hasSuffix("rotary_emb.inv_freq") } == (generation == "cogvlm1"))
        #expect(Set(exported.keys.map { "model." + $0 }) == stored)
        for (key, tensor) in exported { #expect(tensor.scalars == (try file["model." + key]).scalars, "\(key)") }
        #expect(decoder.parameterCount == stored.reduce(0) { $0 + file.shape(of: $1)!.reduce(1, *) })
    }

    /// Exact: with no image, the language expert is the whole layer; the vision expert's weights take no part.
    @Test("Text only: the vision expert's weights change nothing")
    func textOnlyIgnoresVisionExpert() throws {
        let directory = try FusionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try FusionFixtures.configuration("cogvlm1")
        let file = try FusionFixtures.file("cogvlm1", "layers")
        let scrambled = try FusionFixtures.rewritten(file, in: directory) { tensors in
            for key in tensors.keys where key.contains("vision") { tensors[key] = tensors[key]! * -3 }
        }
        let io = try FusionFixtures.file("cogvlm1", "text_only")
        let routing = try FusionFixtures.routing(io)
        let a = try VisualExpertDecoder.load(configuration: configuration, weights: file)(inputsEmbeds: try io["inputs_embeds"], routing: routing)
        let b = try VisualExpertDecoder.load(configuration: configuration, weights: scrambled)(inputsEmbeds: try io["inputs_embeds"], routing: routing)
        #expect(a.scalars == b.scalars)
        // ...and an image sequence does depend on them.
        let images = try FusionFixtures.file("cogvlm1", "two_images")
        let imageRouting = try FusionFixtures.routing(images)
        let c = try VisualExpertDecoder.load(configuration: configuration, weights: file)(inputsEmbeds: try images["inputs_embeds"], routing: imageRouting)
        let d = try VisualExpertDecoder.load(configuration: configuration, weights: scrambled)(inputsEmbeds: try images["inputs_embeds"], routing: imageRouting)
        #expect(TensorComparison(c, d).maxAbsoluteError > 0.1)
    }

    @Test("FLOPs are a plain layer's; parameters twice the language expert's, less the shared norms")
    func sizes() throws {
        let decoder = try Self.decoder("cogvlm2", path: .openBLAS)
        let layer = decoder.layers[0]
        let (d, i, qkv) = (32, 56, 32 + 2 * 2 * 8)
        let projections = 2 * 10 * (d * qkv + d * d + 3 * d * i)
        let attention = 2 * 2 * 4 * 8 * (10 * 11 / 2)
        #expect(layer.flops(batch: 1, tokens: 10) == projections + attention)
        let expert = d * qkv + d * d + 3 * d * i
        #expect(layer.parameterCount == 2 * expert + qkv + 2 * d)  // CogVLM2's vision QKV bias, two RMSNorm gains
        #expect(layer.languageParameterCount == expert + 2 * d)
    }
}
