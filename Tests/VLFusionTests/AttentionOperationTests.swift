import Testing
import VLTesting
import VLAttention
import VLCore
import VLTestSupport

/// The two tensor operations the visual-expert layers add, alone, against PyTorch (`ops.safetensors` of
/// `make_cogvlm_fixtures.py`): `apply_rotary_pos_emb` with transformers' `LlamaRotaryEmbedding`, and
/// `F.scaled_dot_product_attention` over `repeat_kv` heads.
///
/// Tolerance: 1e-6 absolute + 1e-5 relative (single operations).
@Suite struct AttentionOperationTests {
    static let ops = try! Fixtures.open("cogvlm/ops")

    @Test("Rotary embedding equals LlamaRotaryEmbedding + apply_rotary_pos_emb", arguments: [10_000.0, 500_000.0])
    func rotary(base: Double) throws {
        let x = try Self.ops["rotary.input"]
        let positions = (try Self.ops["rotary.positions"]).scalars.map(Int.init)
        let rows = [Array(positions[0..<5]), Array(positions[5..<10])]
        let rotary = try RotaryEmbedding(dimension: 8, base: base)
        let out = try x.applyingRotaryEmbedding(rotary.table(positions: 41), positions: rows)
        expectClose(out, try Self.ops["rotary.\(Int(base)).output"], rtol: 1e-5, atol: 1e-6, "base \(base)")
    }

    @Test("Rotary embedding refuses bad dimensions, bases and positions")
    func rotaryErrors() throws {
        #expect(throws: ConfigurationError.self) { try RotaryEmbedding(dimension: 7, base: 10_000) }
        #expect(throws: ConfigurationError.self) { try RotaryEmbedding(dimension: 8, base: 1) }
        let table = try RotaryEmbedding(dimension: 8, base: 10_000).table(positions: 3)
        #expect(throws: ShapeError.self) { try Tensor(shape: [1, 2, 1, 8]).applyingRotaryEmbedding(table, positions: [[0, 3]]) }
        #expect(throws: ShapeError.self) { try Tensor(shape: [1, 2, 1, 6]).applyingRotaryEmbedding(table, positions: [[0, 1]]) }
        #expect(throws: ShapeError.self) { try Tensor(shape: [1, 2, 1, 8]).applyingRotaryEmbedding(table, positions: [[0]]) }
    }

    @Test("Grouped-query attention equals SDPA over repeat_kv heads: causal, and causal with padded keys")
    func groupedAttention() throws {
        let (q, k, v) = (try Self.ops["attention.query"], try Self.ops["attention.key"], try Self.ops["attention.value"])
        let causal = try groupedQueryAttention(query: q, key: k, value: v, isCausal: true)
        expectClose(causal, try Self.ops["attention.causal"], rtol: 1e-5, atol: 1e-6, "causal")
        // Rows that may attend to nothing (the two left pads of the first sequence) are zeros here and NaN in PyTorch
        // (the fixture stores them as zeros).
        let masked = try groupedQueryAttention(query: q, key: k, value: v, isCausal: true, keyMask: try Self.ops["attention.keep"])
        expectClose(masked, try Self.ops["attention.masked"], rtol: 1e-5, atol: 1e-6, "masked")
        #expect(masked.scalars.allSatisfy { $0.isFinite })
    }

    /// Exact where the arithmetic is the same: each key-value head serves its group of query heads as repeated keys would.
    @Test("Without a causal mask, grouped heads equal repeated heads and one long block equals several")
    func groupsAndBlocks() throws {
        var random = TestRandom(seed: 15)
        let (b, l, h, kv, hd) = (2, 150, 4, 2, 8)  // 150 query rows: three blocks
        let q = random.tensor([b, l, h, hd]), k = random.tensor([b, l, kv, hd]), v = random.tensor([b, l, kv, hd])
        let repeated = { (t: Tensor) throws -> Tensor in
            try t.reshaped([b, l, kv, 1, hd]).expanded(to: [b, l, kv, h / kv, hd]).reshaped([b, l, h, hd])
        }
        let grouped = try groupedQueryAttention(query: q, key: k, value: v, isCausal: false)
        let full = try groupedQueryAttention(query: q, key: try repeated(k), value: try repeated(v), isCausal: false)
        #expect(grouped.scalars == full.scalars)
        // Against the heads-first tensor operation (scores through a batched matmul).
        let reference = try scaledDotProductAttention(query: q.transposed(1, 2), key: try repeated(k).transposed(1, 2),
                                                      value: try repeated(v).transposed(1, 2),
                                                      mask: .causal(queries: l, keys: l)).transposed(1, 2)
        expectClose(try groupedQueryAttention(query: q, key: k, value: v, isCausal: true), reference, rtol: 1e-5, atol: 1e-6)
        #expect(throws: ShapeError.self) { try groupedQueryAttention(query: q, key: Tensor(shape: [b, l, 3, hd]), value: Tensor(shape: [b, l, 3, hd]), isCausal: true) }
        #expect(throws: ShapeError.self) { try groupedQueryAttention(query: q, key: k, value: v, isCausal: true, keyMask: Tensor(shape: [b, l + 1])) }
        #expect(throws: ShapeError.self) {
            try groupedQueryAttention(query: q, key: try k.narrowed(axis: 1, start: 0, length: 10), value: try v.narrowed(axis: 1, start: 0, length: 10),
                                      isCausal: true)
        }
    }
}
