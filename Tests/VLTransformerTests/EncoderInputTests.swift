import Foundation
import Testing
import VLCore
import VLTestSupport
import VLTransformer

/// Bad pixels, configs and checkpoints give typed errors that name what is wrong.
@Suite struct EncoderInputTests {
    static let model = try! VisionTower.load(directory: Fixtures.path("encoders/clip_vision"))

    @Test("Pixels of the wrong rank, channel count or size", arguments: [[2, 3, 50, 48], [2, 4, 48, 48], [3, 48, 48], [2, 3, 0, 48], [0, 3, 48, 48]])
    func badPixels(shape: [Int]) {
        do {
            _ = try Self.model(Tensor(shape: shape))
            Issue.record("accepted \(shape)")
        } catch let error as ShapeError {
            #expect(error.tensor == "pixel_values")
            #expect(error.actual == shape)
            #expect(error.description.contains("multiples of 8"))
            #expect(error.path == "embeddings.patch_embedding")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    static func withCheckpoint(config: String, tensors: [String: Tensor], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        try SafeTensorsWriter.write(tensors, to: directory + "/model.safetensors")
        try body(directory)
    }

    @Test func unknownModelTypeNamesItself() throws {
        try Self.withCheckpoint(config: #"{"model_type": "llama"}"#, tensors: [:]) { directory in
            #expect(throws: ConfigurationError.self) { _ = try VisionTower.load(directory: directory) }
            do { _ = try VisionTower.load(directory: directory) } catch {
                #expect("\(error)".contains("unknown model_type 'llama'"))
            }
        }
    }

    @Test func headsThatDoNotDivideTheWidth() throws {
        try Self.withCheckpoint(config: #"{"model_type": "clip_vision_model", "hidden_size": 30, "num_attention_heads": 4}"#, tensors: [:]) { directory in
            do { _ = try VisionTower.load(directory: directory); Issue.record("accepted") } catch {
                #expect("\(error)".contains("4 heads do not divide hidden_size 30"))
            }
        }
    }

    @Test func missingAndMisshapenKeysAreNamed() throws {
        var tensors = Self.model.namedParameters
        let config = try String(contentsOfFile: Fixtures.path("encoders/clip_vision/config.json"), encoding: .utf8)
        tensors["encoder.layers.1.mlp.fc2.bias"] = nil
        try Self.withCheckpoint(config: config, tensors: tensors) { directory in
            do { _ = try VisionTower.load(directory: directory); Issue.record("accepted") } catch let error as ParameterError {
                guard case .missing(let path, let shape, let nearest) = error else { Issue.record("\(error)"); return }
                #expect(path == "encoder.layers.1.mlp.fc2.bias" && shape == [32])
                #expect(nearest.contains("encoder.layers.0.mlp.fc2.bias"))
            }
        }
        tensors = Self.model.namedParameters
        tensors["encoder.layers.0.self_attn.k_proj.weight"] = Tensor(shape: [32, 31])
        try Self.withCheckpoint(config: config, tensors: tensors) { directory in
            #expect(throws: ParameterError.shapeMismatch(path: "encoder.layers.0.self_attn.k_proj.weight", expected: [32, 32], actual: [32, 31])) {
                _ = try VisionTower.load(directory: directory)
            }
        }
        tensors = Self.model.namedParameters
        tensors["encoder.layers.0.extra.weight"] = Tensor(shape: [2])
        try Self.withCheckpoint(config: config, tensors: tensors) { directory in
            #expect(throws: ParameterError.unused(paths: ["encoder.layers.0.extra.weight"])) {
                _ = try VisionTower.load(directory: directory)
            }
        }
    }

    @Test("Errors name keys as the file spells them, vision_model. prefix included")
    func prefixedKeysAreNamedAsStored() throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in Self.model.namedParameters { tensors["vision_model." + name] = tensor }
        tensors["vision_model.encoder.layers.1.mlp.fc2.bias"] = nil
        let config = try String(contentsOfFile: Fixtures.path("encoders/clip_vision/config.json"), encoding: .utf8)
        try Self.withCheckpoint(config: config, tensors: tensors) { directory in
            do { _ = try VisionTower.load(directory: directory); Issue.record("accepted") } catch let error as ParameterError {
                guard case .missing(let path, _, let nearest) = error else { Issue.record("\(error)"); return }
                #expect(path == "vision_model.encoder.layers.1.mlp.fc2.bias")
                #expect(nearest.contains("vision_model.encoder.layers.0.mlp.fc2.bias"))
            }
        }
    }

    @Test("SigLIP so400m: 384 px with 14 px patches is a 27 x 27 grid, as in transformers")
    func so400mGrid() throws {
        let config = try VisionPreset.named("siglip-so400m-14-384").configuration
        try config.validate()
        #expect(config.nativeGrid == 27 && config.hiddenSize == 1152 && config.intermediateSize == 4304)
    }

    @Test func presetsHaveTheRealSizes() throws {
        #expect(VisionPreset.all.count == 14)
        let b16 = try VisionPreset.named("clip-vit-b16").configuration
        #expect(b16.hiddenSize == 768 && b16.layers == 12 && b16.patchSize == 16)
        #expect(try VisionPreset.named("dinov2-g14-reg").configuration.intermediateSize == 4096)
        #expect(throws: ConfigurationError.self) { try VisionPreset.named("clip-vit-h14") }
        // transformers' CLIPVisionModel(CLIPVisionConfig(patch_size=16)) has 85,799,424 parameters.
        let tower = try VisionTower.random(try VisionPreset.named("clip-vit-b16"))
        #expect(tower.parameterCount == 85_799_424)
    }
}
