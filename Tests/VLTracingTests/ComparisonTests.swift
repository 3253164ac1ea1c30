import Foundation
import Testing
import VLBlocks
import VLTesting

/// `TensorComparison` as `torch.testing.assert_close` judges (|a - b| <= atol + rtol |b|), its report, and
/// `TraceComparison`'s first divergence.
@Suite struct ComparisonTests {
    static func tensor(_ values: [Float], _ shape: [Int]? = nil) -> Tensor {
        try! Tensor(shape: shape ?? [values.count], scalars: values)
    }

    @Test("Tolerance per element: atol + rtol x |expected|; the worst element, its index and values; cosine; ULP")
    func report() {
        let expected = Self.tensor([1, 2, 3, 4, 100, 0], [2, 3])
        let actual = Self.tensor([1, 2.00001, 3, 4.5, 100.0005, 0], [2, 3])
        let c = TensorComparison(actual, expected, rtol: 1e-5, atol: 1e-6)
        #expect(!c.passed && c.mismatchedCount == 1)  // 4.5 vs 4 fails; 2.00001 and 100.0005 are within rtol
        #expect(c.worstIndex == [1, 0] && c.worstActual == 4.5 && c.worstExpected == 4)
        #expect(c.maxAbsoluteError == 0.5 && abs(c.maxRelativeError - 0.125) < 1e-7)
        #expect(c.cosine < 1 && c.cosine > 0.9999)
        #expect(c.maxULPDistance == TensorComparison.ulpDistance(4.5, 4))
        #expect(TensorComparison(actual, expected, rtol: 0.2, atol: 0).passed)
        #expect("\(c)".contains("[1, 0]: 4.5 vs expected 4.0"))
    }

    @Test("ULP distances across zero and between neighbours; NaN matches NaN; shapes must agree")
    func edges() {
        #expect(TensorComparison.ulpDistance(1, Float(1).nextUp) == 1)
        #expect(TensorComparison.ulpDistance(-Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude) == 2)
        #expect(TensorComparison.ulpDistance(0, -0.0) == 0)
        #expect(TensorComparison(Self.tensor([.nan, .infinity]), Self.tensor([.nan, .infinity])).passed)
        #expect(!TensorComparison(Self.tensor([.nan, 1]), Self.tensor([1, 1])).passed)
        let mismatch = TensorComparison(Self.tensor([1, 2]), Self.tensor([1, 2], [2, 1]))
        #expect(!mismatch.passed && mismatch.maxAbsoluteError == .infinity && "\(mismatch)".contains("shapes differ"))
        #expect(TensorComparison(Self.tensor([0, 0]), Self.tensor([0, 0])).cosine == 1)
    }

    @Test("Traces: the first divergence follows A's order; paths in one trace only are listed; a file round trip keeps the order")
    func traces() throws {
        var a = Trace(), b = Trace()
        for (name, value) in [("embeddings", 1), ("encoder.layers.0", 2), ("encoder.layers.1", 3), ("pooler", 4)] as [(String, Float)] {
            a.record(Self.tensor([value, value]), at: name)
        }
        b.record(Self.tensor([1, 1]), at: "embeddings")
        b.record(Self.tensor([3, 3]), at: "encoder.layers.1")
        b.record(Self.tensor([2, 2.5]), at: "encoder.layers.0")  // differs
        b.record(Self.tensor([9, 9]), at: "head")
        let comparison = TraceComparison(a, b)
        #expect(comparison.firstDivergence == "encoder.layers.0")
        #expect(comparison.entries.map(\.path) == ["embeddings", "encoder.layers.0", "encoder.layers.1"])
        #expect(comparison.onlyInActual == ["pooler"] && comparison.onlyInReference == ["head"])
        let json = try JSONSerialization.jsonObject(with: Data(comparison.json.utf8)) as! [String: Any]
        #expect(json["first_divergence"] as? String == "encoder.layers.0")
        let rows = json["tensors"] as! [[String: Any]]
        #expect(rows.count == 3 && rows[1]["ok"] as? Bool == false && rows[1]["worst_index"] as? [Int] == [1])
        // A module recorded twice keeps its last output, at the place of its last call.
        a.record(Self.tensor([5, 5]), at: "embeddings")
        #expect(a.order.last == "embeddings" && a["embeddings"]!.scalars == [5, 5])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.write(to: path)
        let back = try Trace(contentsOf: path)
        #expect(back.order == a.order && back["pooler"]!.scalars == [4, 4])
    }

    @Test("Module filters: `*` crosses dots, `?` is one character, comma lists, empty matches all")
    func filters() {
        let filter = ModuleFilter(parsing: "encoder.*.mlp, net.?.b1")
        #expect(filter.matches("encoder.layers.3.mlp") && filter.matches("net.0.b1") && !filter.matches("net.10.b1"))
        #expect(!filter.matches("encoder.layers.3.mlp.fc1") && !filter.matches("embeddings"))
        #expect(ModuleFilter.all.matches("anything") && ModuleFilter(["*"]).matches(""))
        #expect(ModuleFilter(["a*b*c"]).matches("a.x.b.y.c") && !ModuleFilter(["a*b*c"]).matches("a.x.c.b"))
    }
}
