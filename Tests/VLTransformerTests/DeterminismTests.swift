import Testing
import VLCore
import VLTestSupport
import VLTesting
import VLTransformer

/// Runs of the same model on the same input: bitwise identical at a fixed thread count; across thread
/// counts equal to rounding (OpenBLAS blocks a column range differently when it is split), well inside the
/// 1e-5 per-layer tolerance.
@Suite(.serialized) struct DeterminismTests {
    static func tower() throws -> VisionTransformer {
        // Wide enough that GEMMs are split into column blocks and heads run in parallel.
        let config = VisionTransformerConfiguration(family: .clip, hiddenSize: 256, intermediateSize: 1024, layers: 2, heads: 4,
                                                    imageSize: 64, patchSize: 8, activation: .quickGELU, layerNormEpsilon: 1e-5)
        return try VisionTransformer(ParameterLoader(randomSeed: 3).root, configuration: config)
    }

    @Test("Bitwise identical across runs at a fixed thread count", arguments: [1, 2, 3])
    func repeatable(threads: Int) throws {
        try ComputeThreads.withCount(threads) {
            let tower = try Self.tower()
            var rng = TestRandom(seed: 4)
            let pixels = rng.tensor([2, 3, 64, 64])
            let first = try tower(pixels).lastHiddenState.scalars
            for _ in 0..<3 { #expect(try tower(pixels).lastHiddenState.scalars == first) }
        }
    }

    @Test("Within 1e-6 relative across thread counts")
    func acrossThreadCounts() throws {
        let tower = try Self.tower()
        var rng = TestRandom(seed: 4)
        let pixels = rng.tensor([2, 3, 64, 64])
        let serial = try ComputeThreads.withCount(1) { try tower(pixels).lastHiddenState }
        let scale = serial.scalars.map(abs).max()!
        for threads in [2, 3, 4] {
            let error = TensorComparison(try ComputeThreads.withCount(threads) { try tower(pixels).lastHiddenState }, serial).maxAbsoluteError
            #expect(error <= 1e-6 * scale, "\(threads) threads: \(error)")
        }
    }
}
