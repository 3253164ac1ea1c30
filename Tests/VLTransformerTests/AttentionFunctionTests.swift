import Testing
import VLAttention
import VLCore
import VLTestSupport
import VLTesting

/// `scaledDotProductAttention` and the mask builders against `F.scaled_dot_product_attention` (fixtures from
/// `Tools/reference/make_ops_fixtures.py`). Tolerance 1e-6 absolute + 1e-5 relative.
@Suite struct AttentionFunctionTests {
    static let fixture = try! Fixtures.open("core/ops")

    @Test func plain() throws {
        let f = Self.fixture
        let out = try scaledDotProductAttention(query: try f["sdpa_plain.in0"], key: try f["sdpa_plain.in1"], value: try f["sdpa_plain.in2"])
        expectClose(out, try f["sdpa_plain.out"], rtol: 1e-5, atol: 1e-6)
    }

    @Test func causal() throws {
        let f = Self.fixture
        let q = try f["sdpa_causal.in0"]
        let out = try scaledDotProductAttention(query: q, key: try f["sdpa_causal.in1"], value: try f["sdpa_causal.in2"],
                                                mask: .causal(queries: 6, keys: 6))
        expectClose(out, try f["sdpa_causal.out"], rtol: 1e-5, atol: 1e-6)
    }

    @Test("A tokenizer's attention_mask as a padding mask, with an explicit scale")
    func padding() throws {
        let f = Self.fixture
        let keep = try f["sdpa_padding.in3"]  // [B, N]
        let mask = try AttentionMask.padding(keep, queries: 5)  // [B, M, N], broadcast over heads
        guard case .allowed(let allowed) = mask else { Issue.record("not a boolean mask"); return }
        let perHead = AttentionMask.allowed(try allowed.unsqueezed(axis: 1))  // [B, 1, M, N]
        let out = try scaledDotProductAttention(query: try f["sdpa_padding.in0"], key: try f["sdpa_padding.in1"],
                                                value: try f["sdpa_padding.in2"], mask: perHead, scale: 0.3)
        expectClose(out, try f["sdpa_padding.out"], rtol: 1e-5, atol: 1e-6)
        // Combining the padding mask with a causal one keeps only what both keep.
        let both = try mask.combined(with: .causal(queries: 5, keys: 7)).additiveScores
        #expect(both[0, 4, 4] == 0 && both[0, 4, 5] == -.infinity && both[1, 2, 3] == -.infinity && both[1, 2, 2] == 0)
    }
}
