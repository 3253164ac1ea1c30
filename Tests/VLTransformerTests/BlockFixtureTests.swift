import Testing
import VLAttention
import VLCore
import VLTestSupport
import VLTesting
import VLTransformer

/// Single modules against transformers / timm / torch (fixtures from `make_encoder_fixtures.py`).
/// Tolerance per module, fp32: 1e-5 absolute + 1e-5 relative.
@Suite struct BlockFixtureTests {
    static func loader(_ name: String) throws -> (SafeTensorsFile, ParameterLoader) {
        let f = try Fixtures.open("blocks/\(name)")
        return (f, ParameterLoader(source: f, ignoring: ["input", "output", "context", "queries", "additive_mask", "output_masked"]))
    }

    @Test("CLIPAttention: separate q/k/v/out projections")
    func separateProjections() throws {
        let (f, loader) = try Self.loader("attention_separate_qkv")
        let attention = try MultiHeadAttention(loader.root, width: 32, heads: 4, layout: .clip)
        try loader.finish()
        expectClose(try attention(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("timm Attention: fused qkv")
    func fusedProjection() throws {
        let (f, loader) = try Self.loader("attention_fused_qkv")
        let attention = try MultiHeadAttention(loader.root, width: 32, heads: 4, layout: .timm)
        try loader.finish()
        expectClose(try attention(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("nn.MultiheadAttention: cross-attention from shared probes, with and without a mask")
    func crossAttention() throws {
        let (f, loader) = try Self.loader("attention_cross_packed")
        let attention = try MultiHeadAttention(loader.root, width: 32, heads: 4, layout: .packedInProjection)
        try loader.finish()
        let queries = try f["queries"], context = try f["context"]
        expectClose(try attention(queries: queries, context: context), try f["output"], rtol: 1e-5, atol: 1e-5)
        let masked = try attention(queries: queries, context: context, mask: .additive(try f["additive_mask"]))
        expectClose(masked, try f["output_masked"], rtol: 1e-5, atol: 1e-5)
        // The same mask as booleans (nonzero = attend).
        let allowed = try Tensor(shape: [2, 3, 7], scalars: try f["additive_mask"].scalars.map { $0 == 0 ? 1 : 0 })
        expectClose(try attention(queries: queries, context: context, mask: .allowed(allowed)), try f["output_masked"],
                    rtol: 1e-5, atol: 1e-5)
    }

    @Test("MLP with each activation", arguments: [("quick_gelu", Activation.quickGELU), ("gelu", .gelu), ("gelu_pytorch_tanh", .geluTanh)])
    func mlp(name: String, activation: Activation) throws {
        let (f, loader) = try Self.loader("mlp_\(name)")
        let mlp = try MLP(loader.root, inFeatures: 32, hiddenFeatures: 64, kind: .standard(activation))
        try loader.finish()
        expectClose(try mlp(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("SwiGLU MLP (DINOv2 giant)")
    func swiGLU() throws {
        let (f, loader) = try Self.loader("mlp_swiglu")
        let hidden = Int(f.metadata["hidden"]!)!
        let mlp = try MLP(loader.root, inFeatures: 32, hiddenFeatures: hidden, kind: .swiGLU, layout: .gateUpDown)
        try loader.finish()
        expectClose(try mlp(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("CLIPEncoderLayer")
    func clipLayer() throws {
        let (f, loader) = try Self.loader("layer_clip")
        let block = try TransformerBlock(loader.root, keys: .clip, width: 32, heads: 4, attentionLayout: .clip, mlpHidden: 64,
                                         mlpKind: .standard(.quickGELU), epsilon: 1e-5)
        try loader.finish()
        expectClose(try block(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("Dinov2Layer with LayerScale")
    func dinov2Layer() throws {
        let (f, loader) = try Self.loader("layer_dinov2_layerscale")
        let block = try TransformerBlock(loader.root, keys: .dinov2, width: 32, heads: 4, attentionLayout: .dinov2, mlpHidden: 128,
                                         mlpKind: .standard(.gelu), epsilon: 1e-6)
        try loader.finish()
        expectClose(try block(try f["input"]), try f["output"], rtol: 1e-5, atol: 1e-5)
    }

    @Test("Heads that do not divide the width are a configuration error")
    func badHeads() {
        #expect(throws: ConfigurationError.self) {
            _ = try MultiHeadAttention(ParameterLoader(randomSeed: 1).root, width: 30, heads: 4, layout: .clip)
        }
    }
}
