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
