import Foundation
import Testing
import VLBlocks
import VLTestSupport

/// The README's Swift example, compiled and run here on a fixture checkpoint and image. The lines between the
/// markers must stay the same as the README's (the second test compares them).
@Suite struct ReadmeExampleTests {
    static func readmeExample(checkpoint: String, imagePath: String) throws -> Tensor {
        // README:begin
        // A vision tower with the image processor its checkpoint declares (a Hugging Face folder).
        let model = try VisionModel.load(directory: checkpoint)
        let image = try RGBImage(contentsOf: imagePath)

        // LLaVA's features: hidden_states[-2] without the class token, with their patch grid (24 x 24 at 336 px).
        let features = try model.features(image, selection: FeatureSelection(layer: -2))

        // Honeybee's C-Abstractor down to 144 tokens of the language model's width. Random weights here;
        // `loadConnector(weights: SafeTensorsFile(path: ...))` reads real ones under their checkpoint keys.
        let configuration = CAbstractorConfiguration(encoderHiddenSize: model.tower.configuration.hiddenSize,
                                                     outputHiddenSize: 4096, numQueries: 144)
        let connector = try configuration.randomConnector(inputTokens: features.tokens.shape[1])
        let tokens = try connector(features)  // [1, 144, 4096]
        print(tokens.shape, connector.parameterCount, connector.flops(batch: 1, inputTokens: features.tokens.shape[1]))
        // README:end
        return tokens
    }

    static func zeroShotExample(checkpoint: String, imagePaths: [String]) throws -> (Tensor, Tensor) {
        // GettingStarted:begin
        let classifier = try ZeroShotClassifier.load(directory: checkpoint)
        let images = try classifier.images.embed(files: imagePaths).embeddings       // [2, D], L2-normalised
        let probabilities = try classifier.classify(images: images, labels: ["cat", "dog", "rocket"],
                                                    template: "a photo of a {}.")  // [2, 3]; CLIP: each row sums to 1
        print(probabilities[0, 0])

        // The pieces: the tokenizer alone, the text embeddings, the logits.
        let tokenizer = try loadTokenizer(directory: checkpoint)
        let batch = tokenizer(["a photo of a cat."], padding: .maxLength, truncation: true)  // 77 ids per row for CLIP
        let texts = try classifier.texts.embed(["a photo of a cat.", "a photo of a dog."]).file.embeddings
        let logits = try classifier.logitsPerImage(images: images, texts: texts)  // [2, 2]: exp(logit_scale) * cos
        print(batch.inputIDs[0].prefix(8), logits.shape)
        // GettingStarted:end
        return (probabilities, logits)
    }

    @Test("The getting-started zero-shot example runs: CLIP probabilities sum to 1 per image")
    func zeroShotRuns() throws {
        let (probabilities, logits) = try Self.zeroShotExample(
            checkpoint: Fixtures.path("dual/clip"), imagePaths: [Fixtures.path("images/coffee.jpg"), Fixtures.path("images/chelsea.png")])
        #expect(probabilities.shape == [2, 3] && logits.shape == [2, 2])
        for row in 0..<2 {
            #expect(abs((0..<3).reduce(Float(0)) { $0 + probabilities[row, $1] } - 1) < 1e-5)
        }
    }

    @Test("The README's example runs")
    func runs() throws {
        let tokens = try Self.readmeExample(checkpoint: Fixtures.path("encoders/clip_vision"),
                                            imagePath: Fixtures.path("images/coffee.jpg"))
        #expect(tokens.shape == [1, 144, 4096])
        #expect(tokens.scalars.allSatisfy { $0.isFinite })
    }

    /// (document, marker in this file, marker in the document) for every example shown in the docs.
    static let shownExamples = [("README.md", "README", "swift-example"),
                                ("Docs/GettingStarted.md", "GettingStarted", "swift-example:zero-shot")]

    @Test("The docs show exactly the examples this file runs", arguments: shownExamples)
    func docsMatch(document: String, marker: String, docMarker: String) throws {
        func lines(_ text: String, from begin: String, to end: String) -> [String] {
            let all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = all.firstIndex(where: { $0.contains(begin) }),
                  let stop = all[start...].firstIndex(where: { $0.contains(end) }) else { return [] }
            return all[(start + 1)..<stop].map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let tests = URL(fileURLWithPath: #filePath)
        let source = try String(contentsOf: tests, encoding: .utf8)
        let text = try String(contentsOf: tests.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(document), encoding: .utf8)
        let example = lines(source, from: "// \(marker)" + ":begin", to: "// \(marker)" + ":end")
        let shown = lines(text, from: "<!-- \(docMarker)" + ":begin -->", to: "<!-- \(docMarker)" + ":end -->")
        #expect(!example.isEmpty)
        #expect(shown.filter { !$0.hasPrefix("```") && !$0.hasPrefix("import ") && !$0.hasPrefix("let checkpoint")
                               && !$0.hasPrefix("let imagePath") && !$0.isEmpty } == example.filter { !$0.isEmpty })
    }
}
