import Foundation
import Testing
import VLCore
import VLTestSupport
import VLTesting
import VLTransformer

/// Whole towers loaded from checkpoint folders against transformers 5.23 at several resolutions.
///
/// Tolerance: max |a - b| <= 1e-5 x max |b| for the embeddings and every layer output, and <= 1e-4 x max |b|
/// for the final outputs (fp32; the fp16/bf16 fixtures compare against PyTorch run on the same rounded weights).
@Suite struct EncoderFixtureTests {
    static let towers = ["clip_vision", "clip_full_fp16", "siglip_vision_bf16", "siglip_full", "dinov2_v4_layout",
                         "dinov2_swiglu", "dinov2_registers_sharded", "siglip_nonmultiple", "siglip_nohead"]

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        return TensorComparison(a, b).maxAbsoluteError / max(b.scalars.map(abs).max() ?? 1, 1e-12)
    }

    @Test("Outputs match transformers at native and other resolutions (OpenBLAS, packed, packed and split)",
          arguments: towers, KernelPath.allCases)
    func tower(name: String, path: KernelPath) throws {
        let model = try VisionTower.load(directory: Fixtures.path("encoders/\(name)"), packWeights: path.packWeights)
        try path.run { try Self.check(model, name: name) }
    }

    static func check(_ model: VisionTransformer, name: String) throws {
        let io = try Fixtures.open("encoders/\(name)/io")
        for resolution in io.metadata["resolutions"]!.split(separator: ",") {
            let tag = String(resolution)
            let output = try model.encode(try io["pixel_values_\(tag)"], hiddenStates: true)
            let states = output.hiddenStates!
            #expect(states.count == model.configuration.layers + 1)
            for (i, state) in states.enumerated() {
                let error = relativeError(state, try io["hidden_states.\(i)_\(tag)"])
                #expect(error <= 1e-5, "\(name) \(tag) hidden_states.\(i): relative error \(error)")
            }
            let last = relativeError(output.lastHiddenState, try io["last_hidden_state_\(tag)"])
            #expect(last <= 1e-4, "\(name) \(tag) last_hidden_state: relative error \(last)")
            // Every tower with a pooler has it recorded; siglip_nohead has none, and must not invent one.
            #expect((output.poolerOutput == nil) == (io.shape(of: "pooler_output_\(tag)") == nil), "\(name) \(tag) pooler presence")
            if io.shape(of: "pooler_output_\(tag)") != nil {
                let pooled = try #require(output.poolerOutput)
                let error = relativeError(pooled, try io["pooler_output_\(tag)"])
                #expect(error <= 1e-4, "\(name) \(tag) pooler_output: relative error \(error)")
                // The pooled-only pass (the last layer computes the class token's row alone for CLIP and DINOv2).
                let alone = try #require(try model.pooledOutput(try io["pixel_values_\(tag)"]))
                #expect(relativeError(alone, pooled) <= 1e-6, "\(name) \(tag) pooledOutput vs encode: \(relativeError(alone, pooled))")
                #expect(relativeError(alone, try io["pooler_output_\(tag)"]) <= 1e-4)
            } else {
                #expect(try model.pooledOutput(try io["pixel_values_\(tag)"]) == nil)
            }
        }
    }

    @Test("Feature selection: hidden_states[K] without prefix tokens, with its grid, K from either end",
          arguments: [("clip_vision", "64x40"), ("dinov2_registers_sharded", "64x40"), ("siglip_nonmultiple", "48x64")])
    func featureSelection(name: String, resolution: String) throws {
        let model = try VisionTower.load(directory: Fixtures.path("encoders/\(name)"))
        let io = try Fixtures.open("encoders/\(name)/io")
        let layers = model.configuration.layers
        let pixels = try io["pixel_values_\(resolution)"]
        let patch = model.configuration.patchSize
        let prefix = model.embeddings.prefixTokens
        for k in [0, 1, layers, -1, -2, -(layers + 1)] {
            let features = try model.features(pixels, selection: FeatureSelection(layer: k))
            let index = k < 0 ? k + layers + 1 : k
            let state = try io["hidden_states.\(index)_\(resolution)"]
            let expected = try state.narrowed(axis: 1, start: prefix, length: state.shape[1] - prefix)
            #expect(features.grid == PatchGrid(height: pixels.shape[2] / patch, width: pixels.shape[3] / patch))
            #expect(features.prefixTokens == 0 && features.tokens.shape == expected.shape)
            let error = Self.relativeError(features.tokens, expected)
            #expect(error <= 1e-5, "\(name) layer \(k): relative error \(error)")
            let all = try model.features(pixels, selection: FeatureSelection(layer: k, tokens: .all))
            #expect(all.prefixTokens == prefix && all.tokens.shape == state.shape)
        }
        for k in [layers + 1, -(layers + 2)] {
            #expect(throws: ConfigurationError.self) { try model.features(pixels, selection: FeatureSelection(layer: k)) }
        }
    }

    /// The fused blocks (shared scratch, residuals added inside the GEMMs) are an optimisation of the blocks as
    /// transformers writes them: composed from tensor operations, each block must give transformers' next hidden
    /// state too. Tolerance as for the fused blocks: 1e-5 relative to each state's scale.
    @Test("Blocks composed from tensor operations match transformers and the fused blocks",
          arguments: ["clip_vision", "dinov2_swiglu", "dinov2_registers_sharded", "siglip_full"])
    func composedBlocks(name: String) throws {
        let model = try VisionTower.load(directory: Fixtures.path("encoders/\(name)"))
        let io = try Fixtures.open("encoders/\(name)/io")
        let tag = "48x48"
        for (i, block) in model.blocks.enumerated() {
            let input = try io["hidden_states.\(i)_\(tag)"], expected = try io["hidden_states.\(i + 1)_\(tag)"]
            let composed = try block.composedForward(input)
            let error = Self.relativeError(composed, expected)
            #expect(error <= 1e-5, "\(name) block \(i): relative error \(error)")
            #expect(Self.relativeError(composed, try block(input)) <= 1e-5, "\(name) block \(i): composed vs fused")
        }
    }

    @Test("A native size that is not a multiple of the patch is accepted, other such sizes are not")
    func nonMultipleNativeSize() throws {
        let model = try VisionTower.load(directory: Fixtures.path("encoders/siglip_nonmultiple"))
        #expect(model.configuration.imageSize == 52 && model.configuration.nativeGrid == 6)
        #expect(try model(Tensor(shape: [1, 3, 52, 52])).lastHiddenState.shape == [1, 36, 32])
        #expect(throws: ShapeError.self) { try model(Tensor(shape: [1, 3, 50, 50])) }
        #expect(throws: ShapeError.self) { try model(Tensor(shape: [1, 3, 52, 50])) }
    }

    @Test("Visiting parameters gives back the checkpoint's tensors under transformers 5.x names", arguments: ["clip_vision", "dinov2_registers_sharded"])
    func roundTrip(name: String) throws {
        let model = try VisionTower.load(directory: Fixtures.path("encoders/\(name)"))
        let exported = TensorDictionary(model.namedParameters)
        let reloaded = try VisionTower.load(configuration: model.configuration, weights: exported)
        #expect(reloaded.parameterCount == model.parameterCount)
        let weights = try CheckpointWeights.open(directory: Fixtures.path("encoders/\(name)"))
        #expect(model.parameterCount == weights.tensorNames.reduce(0) { $0 + (weights.shape(of: $1)!.reduce(1, *)) })
        let pixels = try Fixtures.open("encoders/\(name)/io")["pixel_values_48x48"]
        #expect(try reloaded(pixels).lastHiddenState.scalars == model(pixels).lastHiddenState.scalars)
    }
}
