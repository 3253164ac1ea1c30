import Foundation
import Testing
import VLConnectors
import VLCore
import VLFeatureMixing
import VLTestSupport

/// Bad configs, weights and inputs: typed errors with clear messages.
@Suite struct ConnectorInputTests {
    static func config(_ text: String) throws -> ProjectorConfiguration { try ProjectorConfiguration(json: Data(text.utf8)) }

    @Test("Config errors name the field", arguments: [
        (#"{"projector_type": "q-former"}"#, "unknown projector_type 'q-former'"),
        (#"{"encoder_hidden_size": 8}"#, "projector_type"),
        (#"{"projector_type": "avg-pool", "encoder_hidden_size": 8, "output_hidden_size": 4, "num_queries": 10}"#, "10 is not a square number"),
        (#"{"projector_type": "c-abs", "encoder_hidden_size": 8, "output_hidden_size": 4, "num_queries": 8}"#, "8 is not a square number"),
        (#"{"projector_type": "attn-pool", "encoder_hidden_size": 10, "num_queries": 4, "num_heads": 4}"#, "4 heads do not divide encoder_hidden_size 10"),
        (#"{"projector_type": "mlp2x_gelu", "encoder_hidden_size": "wide", "output_hidden_size": 4}"#, "expected an integer"),
        (#"{"projector_type": "mlp2x_gelu", "encoder_hidden_size": 4}"#, "output_hidden_size: missing"),
        (#"{"projector_type": "a-mof", "alpha": 1.5, "projector": {"projector_type": "mlp2x_gelu", "encoder_hidden_size": 4, "output_hidden_size": 4}}"#, "1.5 is outside [0, 1]"),
        (#"{"projector_type": "a-mof", "projector": {"projector_type": "mlp2x_gelu", "encoder_hidden_size": 4, "output_hidden_size": 4}}"#, "alpha: missing"),
        (#"{"projector_type": "i-mof", "clip_projector": {"projector_type": "mlp2x_gelu", "encoder_hidden_size": 4, "output_hidden_size": 4}}"#, "dino_projector"),
        (#"{"projector_type": "qformer", "encoder_hidden_size": 8}"#, "output_hidden_size: missing"),
        (#"{"projector_type": "qformer", "output_hidden_size": 8, "hidden_size": 30, "num_attention_heads": 4}"#, "4 heads do not divide hidden_size 30"),
        (#"{"projector_type": "perceiver-idefics2", "encoder_hidden_size": 8, "resampler_n_heads": 6, "num_key_value_heads": 4}"#, "4 key-value heads do not divide 6 heads"),
        (#"{"projector_type": "perceiver-flamingo"}"#, "encoder_hidden_size: missing"),
        (#"{"projector_type": "perceiver-flamingo", "encoder_hidden_size": 8, "qk_layer_norms_perceiver": 1}"#, "expected true or false"),
    ])
    func configErrors(text: String, message: String) throws {
        do {
            _ = try Projector.make(try Self.config(text), scope: ParameterLoader(randomSeed: 1).root, inputTokens: 16)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("Non-square grids, wrong widths and mismatched inputs are shape errors")
    func inputErrors() throws {
        let avg = try AveragePoolingConfiguration(encoderHiddenSize: 8, outputHiddenSize: 4, numQueries: 4, mlpDepth: 1).randomConnector(inputTokens: 16)
        #expect(throws: ShapeError.self) { _ = try avg(Tensor(shape: [1, 15, 8])) }
        #expect(throws: ShapeError.self) { _ = try avg(Tensor(shape: [1, 16, 7])) }
        #expect(throws: ShapeError.self) { _ = try avg(Tensor(shape: [16, 8])) }
        let cabs = try CAbstractorConfiguration(encoderHiddenSize: 8, hiddenSize: 8, outputHiddenSize: 4, depth: 1, mlpDepth: 1,
                                                numQueries: 4, positionEmbedding: true).randomConnector(inputTokens: 16)
        do { _ = try cabs(Tensor(shape: [1, 25, 8])); Issue.record("accepted 25 tokens with a 16-token pos_emb") } catch let error as ShapeError {
            #expect(error.description.contains("pos_emb fixes N"))
        }
        let mixer = try Projector.make(try Self.config(#"{"projector_type": "a-mof", "alpha": 0.5, "projector": {"projector_type": "mlp2x_gelu", "encoder_hidden_size": 8, "output_hidden_size": 4}}"#),
                                       scope: ParameterLoader(randomSeed: 1).root)
        #expect(throws: ShapeError.self) { _ = try mixer(["clip_features": Tensor(shape: [1, 4, 8]), "dino_features": Tensor(shape: [1, 5, 8])]) }
        #expect(throws: ParameterError.self) { _ = try mixer(["clip_features": Tensor(shape: [1, 4, 8])]) }
    }

    @Test("Learned-query connectors: wrong widths and masks are shape errors; pooling connectors refuse masks")
    func learnedQueryInputs() throws {
        let qformer = try QFormerConfiguration(hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 24,
                                               encoderHiddenSize: 8, numQueryTokens: 3, outputHiddenSize: 12).randomConnector(seed: 4)
        #expect(try qformer(Tensor(shape: [2, 11, 8])).shape == [2, 3, 12])
        #expect(throws: ShapeError.self) { try qformer(Tensor(shape: [2, 11, 9])) }
        let badMask = ImageFeatures(tokens: Tensor(shape: [2, 11, 8]), attentionMask: Tensor(shape: [2, 10], repeating: 1))
        #expect(throws: ShapeError.self) { try qformer(badMask) }
        // A mask of ones changes nothing.
        let x = Tensor.uniform(shape: [2, 11, 8], seed: 9)
        #expect(try qformer(ImageFeatures(tokens: x, attentionMask: Tensor(shape: [2, 11], repeating: 1))).scalars == (try qformer(x)).scalars)
        let idefics2 = try Idefics2PerceiverConfiguration(encoderHiddenSize: 8, intermediateSize: 16, hiddenSize: 16, latents: 4, depth: 1,
                                                          heads: 4, headDimension: 4, keyValueHeads: 2).randomConnector(seed: 5)
        #expect(try idefics2(Tensor(shape: [1, 7, 8])).shape == [1, 4, 16])
        #expect(throws: ShapeError.self) { try idefics2(ImageFeatures(tokens: Tensor(shape: [1, 7, 8]), attentionMask: Tensor(shape: [1, 8]))) }
        let avg = try AveragePoolingConfiguration(encoderHiddenSize: 8, outputHiddenSize: 4, numQueries: 4).randomConnector(inputTokens: 16)
        #expect(throws: ShapeError.self) { try avg(ImageFeatures(tokens: Tensor(shape: [1, 16, 8]), attentionMask: Tensor(shape: [1, 16]))) }
    }

    @Test("Missing and unexpected weights are named")
    func weightErrors() throws {
        let config = try Self.config(#"{"projector_type": "mlp2x_gelu", "encoder_hidden_size": 4, "output_hidden_size": 3}"#)
        let complete = try Projector.make(config, scope: ParameterLoader(randomSeed: 1).root).namedParameters
        var missing = complete
        missing["2.bias"] = nil
        #expect(throws: ParameterError.missing(path: "2.bias", expectedShape: [3], nearest: ["0.bias", "2.weight", "0.weight"])) {
            _ = try Projector.load(config, weights: TensorDictionary(missing))
        }
        var extra = complete
        extra["4.weight"] = Tensor(shape: [3, 3])
        #expect(throws: ParameterError.unused(paths: ["4.weight"])) { _ = try Projector.load(config, weights: TensorDictionary(extra)) }
        var wrong = complete
        wrong["0.weight"] = Tensor(shape: [3, 5])
        #expect(throws: ParameterError.shapeMismatch(path: "0.weight", expected: [3, 4], actual: [3, 5])) {
            _ = try Projector.load(config, weights: TensorDictionary(wrong))
        }
    }
}

@Suite struct ReadoutInputTests {
    @Test("A readout given the wrong width throws a ShapeError naming its path and both shapes")
    func wrongWidth() throws {
        let readout = try Readout(ParameterLoader(randomSeed: 2).root["readout"], depth: 2, inputWidth: 8, outputWidth: 4)
        #expect(try readout(Tensor(shape: [2, 3, 8])).shape == [2, 3, 4])
        #expect(throws: ShapeError(path: "readout", tensor: "input", expected: "[..., 8]", actual: [2, 3, 7])) {
            try readout(Tensor(shape: [2, 3, 7]))
        }
    }
}
