import Foundation
import Testing
import VLCore
import VLRetrieval
import VLTestSupport
import VLTesting

/// Zero-shot classification end to end (checkpoint folders with tokenizer and processor files) against transformers
/// 5.23 (`Tools/reference/make_zero_shot_fixtures.py`): text and image embeddings, logits and probabilities to 1e-4.
@Suite struct ZeroShotTests {
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        return TensorComparison(a, b).maxAbsoluteError / max(b.scalars.map(abs).max() ?? 1, 1e-12)
    }

    @Test("Probabilities, logits and embeddings match transformers", arguments: ["clip", "siglip"])
    func matchesTransformers(model: String) throws {
        let folder = Fixtures.path("dual/\(model)")
        let expected = try SafeTensorsFile(path: folder + "/expected.safetensors")
        let images = try JSONDecoder().decode([String].self, from: Data(expected.metadata["images"]!.utf8)).map { Fixtures.path("images/" + $0) }
        let labels = try JSONDecoder().decode([String].self, from: Data(expected.metadata["labels"]!.utf8))
        let template = expected.metadata["template"]!
        let classifier = try ZeroShotClassifier.load(directory: folder)
        let imageEmbeddings = try classifier.images.embed(files: images).embeddings
        #expect(Self.relativeError(imageEmbeddings, try expected["image_embeds"]) <= 1e-4)
        let prompts = labels.map { template.replacingOccurrences(of: "{}", with: $0) }
        let textEmbeddings = try classifier.texts.embed(prompts).file.embeddings
        #expect(Self.relativeError(textEmbeddings, try expected["text_embeds"]) <= 1e-4)
        let logits = try classifier.logitsPerImage(images: imageEmbeddings, texts: textEmbeddings)
        #expect(Self.relativeError(logits, try expected["logits_per_image"]) <= 1e-4)
        let probabilities = try classifier.classify(images: imageEmbeddings, labels: labels, template: template)
        #expect(Self.relativeError(probabilities, try expected["probs"]) <= 1e-4)
        #expect(throws: ConfigurationError.self) { try classifier.classify(images: imageEmbeddings, labels: ["cat", " "]) }
        #expect(throws: ConfigurationError.self) { try classifier.classify(images: imageEmbeddings, labels: []) }
    }

    @Test("One-tower folders asked for the other tower say so")
    func missingTowers() throws {
        #expect(throws: ConfigurationError.self) { try ZeroShotClassifier.load(directory: Fixtures.path("embeddings/dinov2")) }
        #expect(throws: ConfigurationError.self) { try TextEmbedder.load(directory: Fixtures.path("embeddings/siglip")) }
        #expect(throws: ConfigurationError.self) { try ImageEmbedder.load(directory: Fixtures.path("text/clip_text")) }
    }
}
