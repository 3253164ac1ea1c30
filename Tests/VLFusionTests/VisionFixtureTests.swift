import Foundation
import Testing
import VLCore
import VLFusion
import VLTestSupport

/// CogVLM's vision side against the PyTorch reference (CogVLM's patch embedding, timm's `ResPostBlock`, CogVLM2's 2x2
/// merge conv, transformers' `Glm4vVisionPatchMerger`; `make_cogvlm_fixtures.py`), on every kernel path.
///
/// Tolerance: within 1e-5 of the reference's largest magnitude, for the EVA2-CLIP tower's output and for the image
/// rows (boi and eoi included; the contract asks 1e-4).
@Suite struct VisionFixtureTests {
    /// CogVLM's vision side, CogVLM2's (merging to the tower's width, as published), and CogVLM2's with a merge to the
    /// language model's width (GLM-4V's arrangement).
    static let variants = [("cogvlm1", "vision"), ("cogvlm2", "vision"), ("cogvlm2", "vision_merge_to_hidden")]

    static func model(_ generation: String, _ name: String = "vision", packWeights: Bool?) throws -> CogVLMVisionModel {
        try CogVLMVisionModel.load(configuration: try FusionFixtures.configuration(generation),
                                   weights: try FusionFixtures.file(generation, name), packWeights: packWeights)
    }

    @Test("image_embeds match PyTorch (OpenBLAS, packed, packed and split)", arguments: variants, KernelPath.allCases)
    func matches(variant: (String, String), path: KernelPath) throws {
        let (generation, name) = variant
        let model = try Self.model(generation, name, packWeights: path.packWeights)
        #expect(model.layers.count == 2)
        #expect(model.merge?.geometry.outChannels == (generation == "cogvlm1" ? nil : name == "vision" ? 24 : 32))
        let io = try FusionFixtures.file(generation, name + "_io")
        let pixels = try io["pixel_values"]
        for (label, run) in [("transformer_output", { try model.towerOutput(pixels) }), ("image_embeds", { try model(pixels) })] {
            let actual = try path.run(run)
            let expected = try io[label]
            #expect(actual.shape == expected.shape, "\(label)")
            let scale = expected.scalars.map(abs).max() ?? 1
            let error = TensorComparison(actual, expected).maxAbsoluteError
            #expect(error <= 1e-5 * scale, "\(generation) \(label): max error \(error) at scale \(scale)")
        }
        #expect(model.outputTokens == (generation == "cogvlm2" ? 4 + 2 : 16 + 2))
    }

    /// Exact: the exported tensors are the loaded ones.
    @Test("Parameters round-trip under the checkpoint keys", arguments: variants)
    func roundTrip(variant: (String, String)) throws {
        let (generation, name) = variant
        let file = try FusionFixtures.file(generation, name)
        let model = try Self.model(generation, name, packWeights: true)
        let exported = model.namedParameters
        #expect(Set(exported.keys.map { "model.vision." + $0 }) == Set(file.tensorNames))
        for (key, tensor) in exported { #expect(tensor.scalars == (try file["model.vision." + key]).scalars, "\(key)") }
    }

    @Test("Pixels of another size are a ShapeError naming pixel_values")
    func wrongPixels() throws {
        let model = try Self.model("cogvlm1", packWeights: nil)
        #expect(throws: ShapeError(path: "model.vision", tensor: "pixel_values", expected: "[B, 3, 16, 16]", actual: [1, 3, 20, 20])) {
            try model(Tensor(shape: [1, 3, 20, 20]))
        }
        #expect(throws: ShapeError.self) { try model(Tensor(shape: [3, 16, 16])) }
        #expect(throws: ShapeError.self) { try model(Tensor(shape: [0, 3, 16, 16])) }
    }
}
