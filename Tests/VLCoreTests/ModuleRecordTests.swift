import Synchronization
import Testing
import VLCore
import VLTestSupport

/// The parameter record: what a module asked its scope for is the one list of its parameters.
@Suite struct ModuleRecordTests {
    /// A module that keeps its weight in another form (here: scaled by two) and says how to read it back, as
    /// modules that fuse or pack weights do; the read-back counts its calls.
    struct Doubled: Module {
        let doubled: Tensor
        let bias: Tensor
        let parameters: ParameterRecord

        init(_ scope: ParameterScope) throws {
            let weight = try scope.load("weight", shape: [3, 4], initializer: .fanIn(4))
            let doubled = weight * 2
            scope.rebind("weight") {
                ModuleRecordTests.reads.add(1, ordering: .relaxed)
                return doubled * 0.5
            }
            self.doubled = doubled
            bias = try scope.load("bias", shape: [3], initializer: .zeros)
            parameters = scope.recorded()
        }
    }

    static let reads = Atomic<Int>(0)

    @Test("Keys and shapes come from the loads; counting never rebuilds a tensor, exporting does")
    func recordIsTheLoads() throws {
        let loader = ParameterLoader(randomSeed: 5)
        let module = try Doubled(loader.root["block.proj"])
        #expect(module.path == "block.proj")
        #expect(module.parameters.keys == ["weight", "bias"])
        #expect(module.parameters.entries.map { $0.shape } == [[3, 4], [3]])
        let before = Self.reads.load(ordering: .relaxed)
        #expect(module.parameterCount == 15)
        #expect(Self.reads.load(ordering: .relaxed) == before, "parameterCount rebuilt a tensor")
        let exported = module.namedParameters
        #expect(Self.reads.load(ordering: .relaxed) == before + 1)
        #expect(exported["weight"]!.scalars == (module.doubled * 0.5).scalars)
        // The loader's own record is what strict loading checks: the full paths, nothing else.
        #expect(loader.loadedNames == ["block.proj.weight", "block.proj.bias"])
    }

    @Test("A parent's record holds its children's entries under their keys, rebinds included")
    func nestedRecords() throws {
        let loader = ParameterLoader(randomSeed: 1, packWeights: true)
        let scope = loader.root["encoder"]
        let first = try Linear(scope["layers.0.fc"], inFeatures: 32, outFeatures: 16)
        let norm = try LayerNorm(scope["norm"], width: 16, epsilon: 1e-5)
        let record = scope.recorded()
        #expect(record.keys == ["layers.0.fc.weight", "layers.0.fc.bias", "norm.weight", "norm.bias"])
        #expect(record.tensor("layers.0.fc.weight")!.scalars == first.weight.scalars)
        #expect(record.tensor("norm.bias")!.scalars == norm.bias.scalars)
        // `layers.1` is not a prefix of `layers.10`.
        _ = try Linear(loader.root["layers.10"], inFeatures: 2, outFeatures: 2)
        #expect(loader.root["layers.1"].recorded().entries.isEmpty)
    }

    @Test("ParameterLoader.build finishes strictly")
    func buildIsStrict() throws {
        let weights = TensorDictionary(["proj.weight": Tensor(shape: [2, 3]), "proj.bias": Tensor(shape: [2]), "stray": Tensor(shape: [1])])
        #expect(throws: ParameterError.unused(paths: ["stray"])) {
            _ = try ParameterLoader(source: weights).build { try Linear($0["proj"], inFeatures: 3, outFeatures: 2) }
        }
        let loader = ParameterLoader(source: weights, ignoring: ["stray"])
        let layer = try loader.build { try Linear($0["proj"], inFeatures: 3, outFeatures: 2) }
        #expect(layer.parameterCount == 8)
    }
}
