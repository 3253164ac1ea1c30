import Foundation
import Testing
import VLConnectors
import VLCore
import VLFeatureMixing
import VLTestSupport
import VLTesting

/// Every connector and mixer against its PyTorch definition (fixtures from `make_connector_fixtures.py`),
/// loaded strictly from the contract's checkpoint keys. Tolerance: max |a - b| <= 1e-5 x max |b| + 1e-6.
@Suite struct ConnectorFixtureTests {
    static let cases = ["qformer_every_layer", "qformer_every_second", "qformer_padded", "perceiver_idefics2_gqa4",
                        "perceiver_idefics2_gqa1", "perceiver_idefics2_padded", "perceiver_flamingo", "perceiver_flamingo_qk_norms",
                        "avg_pool_grid_8x6_to_3x3", "mlp2x_gelu", "avg_pool_6x6_to_3x3", "avg_pool_uneven_7x7_to_3x3_mlp2", "attn_pool", "attn_pool_siglip_head",
                        "c_abs", "c_abs_uneven_7x7_pos_emb_with_cls_row", "c_abs_no_pos_emb_same_width", "i_mof", "a_mof"]

    static func load(_ name: String, packed: Bool? = nil) throws -> (Projector, SafeTensorsFile) {
        let folder = Fixtures.path("connectors/\(name)")
        let config = try ProjectorConfiguration(contentsOf: folder + "/config.json")
        let projector = try Projector.load(config, weights: try SafeTensorsFile(path: folder + "/weights.safetensors"),
                                           packWeights: packed)
        return (projector, try SafeTensorsFile(path: folder + "/io.safetensors"))
    }

    @Test("Matches PyTorch (OpenBLAS, packed, packed and split)", arguments: cases, KernelPath.allCases)
    func matches(name: String, path: KernelPath) throws {
        let (projector, io) = try Self.load(name, packed: path.packWeights)
        var inputs: [String: Tensor] = [:]
        for input in projector.inputNames { inputs[input] = try io[input] }
        // A grid in the file's metadata (a non-square one for avg_pool_grid_8x6_to_3x3), else a square is assumed.
        let grid = io.metadata["grid"].flatMap(PatchGrid.init)
        let tokens: Tensor
        if case .connector(let connector) = projector, io.entry(named: "attention_mask") != nil {
            // A padded context: the reference computed the tokens under this mask.
            let features = ImageFeatures(tokens: inputs["image_features"]!, attentionMask: try io["attention_mask"])
            tokens = try path.run { try connector(features) }
        } else {
            tokens = try path.run { try projector(inputs, grid: grid) }
        }
        let expected = try io["tokens"]
        #expect(tokens.shape == expected.shape)
        let scale = expected.scalars.map(abs).max() ?? 1
        let error = TensorComparison(tokens, expected).maxAbsoluteError
        #expect(error <= 1e-5 * scale + 1e-6, "\(name): max error \(error) at scale \(scale)")
    }

    /// Exported keys are the connector's own (a file saved from a whole model may carry a prefix such as IDEFICS2's
    /// `model.connector.`, which loading removes).
    @Test("Parameters round-trip under the checkpoint keys", arguments: cases)
    func roundTrip(name: String) throws {
        let (projector, _) = try Self.load(name, packed: true)
        let file = try SafeTensorsFile(path: Fixtures.path("connectors/\(name)/weights.safetensors"))
        let prefix = file.tensorNames.allSatisfy { $0.hasPrefix("model.connector.") } ? "model.connector." : ""
        let exported = projector.namedParameters
        #expect(Set(exported.keys.map { prefix + $0 }) == Set(file.tensorNames))
        for (key, tensor) in exported { #expect(tensor.scalars == (try file[prefix + key]).scalars, "\(key)") }
        #expect(projector.parameterCount == file.entries.reduce(0) { $0 + $1.shape.reduce(1, *) })
    }

    @Test("Reports parameters and output tokens")
    func sizes() throws {
        let (projector, _) = try Self.load("c_abs")
        guard case .connector(let c) = projector else { Issue.record("not a connector"); return }
        #expect(try c.outputTokens(forInputTokens: 36) == 9)
        #expect(c.parameterCount == (try SafeTensorsFile(path: Fixtures.path("connectors/c_abs/weights.safetensors"))).entries.reduce(0) { $0 + $1.shape.reduce(1, *) })
        // 2 x multiply-adds of the convolutions and linears (Dv 24, hidden 16, Dl 40, depth 2, T 9, 6 x 6 grid):
        // stage 1 b1 (24 -> 16, SE 6, downsample) 84,480 + b2 (SE 4) 47,488; stage 2 on 3 x 3, 2 x 12,064;
        // readout 9 x (16 -> 40 -> 40) 40,320.
        #expect(c.flops(batch: 1, inputTokens: 36) == 196_416)
        #expect(c.flops(batch: 2, inputTokens: 36) == 2 * 196_416)
    }
}
