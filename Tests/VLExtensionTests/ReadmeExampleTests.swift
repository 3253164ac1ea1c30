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

    @Test("The README's example runs")
    func runs() throws {
        let tokens = try Self.readmeExample(checkpoint: Fixtures.path("encoders/clip_vision"),
                                            imagePath: Fixtures.path("images/coffee.jpg"))
        #expect(tokens.shape == [1, 144, 4096])
        #expect(tokens.scalars.allSatisfy { $0.isFinite })
    }

    @Test("The README shows exactly the example this file runs")
    func readmeMatches() throws {
        func lines(_ text: String, from begin: String, to end: String) -> [String] {
            let all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = all.firstIndex(where: { $0.contains(begin) }),
                  let stop = all[start...].firstIndex(where: { $0.contains(end) }) else { return [] }
            return all[(start + 1)..<stop].map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let tests = URL(fileURLWithPath: #filePath)
        let source = try String(contentsOf: tests, encoding: .utf8)
        let readme = try String(contentsOf: tests.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
        let example = lines(source, from: "// README" + ":begin", to: "// README" + ":end")
        let shown = lines(readme, from: "<!-- swift-example" + ":begin -->", to: "<!-- swift-example" + ":end -->")
        #expect(!example.isEmpty)
        #expect(shown.filter { !$0.hasPrefix("```") && !$0.hasPrefix("import ") && !$0.hasPrefix("let checkpoint")
                               && !$0.hasPrefix("let imagePath") && !$0.isEmpty } == example.filter { !$0.isEmpty })
    }
}
