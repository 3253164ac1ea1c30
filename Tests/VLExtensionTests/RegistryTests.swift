import ExamplePixelShuffle
import Foundation
import Testing
import VLBlocks
import VLTestSupport
import VLTesting

/// A connector defined outside VLBlocks (Examples/PixelShuffleConnector: Idefics3's pixel shuffle) registers its
/// `projector_type` and then loads through VLBlocks' own config path, strictly, and matches transformers'
/// `Idefics3Connector` (fixture from `Tools/reference/make_extension_fixtures.py`; tolerance 1e-5 x max |b|).
@Suite(.serialized) struct RegistryTests {
    static let folder = Fixtures.path("connectors/pixel_shuffle")

    @Test("An unregistered projector_type is refused, then loads once registered, and matches transformers")
    func externalConnector() throws {
        let registry = ConnectorRegistry()
        #expect(throws: ConfigurationError.self) { try registry.decode(contentsOf: Self.folder + "/config.json") }
        registry.register(PixelShuffleConfiguration.self)
        #expect(registry.projectorTypes == ["mlp2x_gelu", "avg-pool", "attn-pool", "c-abs", "qformer", "perceiver-idefics2",
                                            "perceiver-flamingo", "pixel-shuffle"])
        let configuration = try registry.decode(contentsOf: Self.folder + "/config.json")
        #expect(configuration as? PixelShuffleConfiguration == PixelShuffleConfiguration(encoderHiddenSize: 24, outputHiddenSize: 40))
        let connector = try configuration.loadConnector(weights: try SafeTensorsFile(path: Self.folder + "/weights.safetensors"))
        let io = try Fixtures.open("connectors/pixel_shuffle/io")
        let tokens = try connector(try io["image_features"])
        let expected = try io["tokens"]
        #expect(tokens.shape == [2, 9, 40])
        #expect(TensorComparison(tokens, expected).maxAbsoluteError <= 1e-5 * expected.scalars.map(abs).max()!)
        #expect(Set(connector.namedParameters.keys) == ["modality_projection.proj.weight"])
        #expect(try connector.outputTokens(forInputTokens: 24 * 16, grid: PatchGrid(height: 24, width: 16)) == 96)
    }

    @Test("Registered in the shared registry, the type loads through ProjectorConfiguration as connect reads configs")
    func sharedRegistry() throws {
        ConnectorRegistry.shared.register(PixelShuffleConfiguration.self)
        let projector = try Projector.load(try ProjectorConfiguration(contentsOf: Self.folder + "/config.json"),
                                           weights: try SafeTensorsFile(path: Self.folder + "/weights.safetensors"))
        guard case .connector(let connector) = projector else { Issue.record("not a connector"); return }
        #expect(connector is PixelShuffleConnector)
        // The typed configuration round-trips through JSON with its snake_case keys.
        let encoded = try JSONEncoder().encode(PixelShuffleConfiguration(encoderHiddenSize: 8, outputHiddenSize: 4, scaleFactor: 3))
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"scale_factor\":3"))
        let decoded = try ConnectorRegistry.shared.decode(encoded)
        #expect(decoded as? PixelShuffleConfiguration == PixelShuffleConfiguration(encoderHiddenSize: 8, outputHiddenSize: 4, scaleFactor: 3))
    }
}
