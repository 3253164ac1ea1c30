import Testing
import VLCore
import VLTestSupport

@Suite struct ParameterLoaderTests {
    static func source() -> TensorDictionary {
        TensorDictionary([
            "encoder.layers.0.fc1.weight": Tensor(shape: [8, 4]),
            "encoder.layers.0.fc1.bias": Tensor(shape: [8]),
            "encoder.layers.0.fc2.weight": Tensor(shape: [4, 8]),
        ])
    }

    @Test func missingKeyNamesNearestKeys() throws {
        let loader = ParameterLoader(source: Self.source())
        do {
            _ = try Linear(loader.root["encoder.layers.0.fc2"], inFeatures: 8, outFeatures: 4)
            Issue.record("loaded a layer whose bias is missing")
        } catch let error as ParameterError {
            guard case .missing(let path, let shape, let nearest) = error else { Issue.record("\(error)"); return }
            #expect(path == "encoder.layers.0.fc2.bias")
            #expect(shape == [4])
            #expect(nearest.first == "encoder.layers.0.fc1.bias")
            #expect(error.description.contains("nearest existing keys"))
        }
    }

    @Test func shapeMismatchNamesBothShapes() {
        let loader = ParameterLoader(source: Self.source())
        #expect(throws: ParameterError.shapeMismatch(path: "encoder.layers.0.fc1.weight", expected: [8, 5], actual: [8, 4])) {
            _ = try Linear(loader.root["encoder.layers.0.fc1"], inFeatures: 5, outFeatures: 8)
        }
    }

    @Test func unusedKeysAreReported() throws {
        let loader = ParameterLoader(source: Self.source())
        _ = try Linear(loader.root["encoder.layers.0.fc1"], inFeatures: 4, outFeatures: 8)
        #expect(throws: ParameterError.unused(paths: ["encoder.layers.0.fc2.weight"])) { try loader.finish() }
        let lenient = ParameterLoader(source: Self.source(), ignoring: ["encoder.layers.0.fc2."])
        _ = try Linear(lenient.root["encoder.layers.0.fc1"], inFeatures: 4, outFeatures: 8)
        try lenient.finish()
    }

    @Test func visitingRoundTripsThroughStrictLoading() throws {
        let random = try Linear(ParameterLoader(randomSeed: 9).root["proj"], inFeatures: 6, outFeatures: 3)
        #expect(random.parameterCount == 21)
        let exported = TensorDictionary(random.namedParameters.reduce(into: [:]) { $0["proj." + $1.key] = $1.value })
        let loader = ParameterLoader(source: exported)
        let reloaded = try Linear(loader.root["proj"], inFeatures: 6, outFeatures: 3)
        try loader.finish()
        #expect(reloaded.weight.scalars == random.weight.scalars)
        // Random parameters depend on seed and path only.
        let again = try Linear(ParameterLoader(randomSeed: 9).root["proj"], inFeatures: 6, outFeatures: 3)
        #expect(again.weight.scalars == random.weight.scalars)
    }

    @Test func layersRejectWrongInputShapes() throws {
        let layer = try Linear(ParameterLoader(randomSeed: 1).root["head"], inFeatures: 6, outFeatures: 3)
        #expect(throws: ShapeError(path: "head", tensor: "input", expected: "[..., 6]", actual: [2, 5])) {
            _ = try layer(Tensor(shape: [2, 5]))
        }
    }
}
