import Testing
import VLCore
import VLRetrieval
import VLTestSupport
import VLTesting

/// Text towers and dual encoders against transformers 5.23 (fixtures from `Tools/reference/make_text_fixtures.py`).
/// Tolerance: max |a - b| <= 1e-4 x max |b| for embeddings, logits and probabilities (the contract), 1e-5 for
/// `last_hidden_state`.
@Suite struct DualEncoderTests {
    static func ids(_ tensor: Tensor) -> [[Int]] {
        (0..<tensor.shape[0]).map { b in (0..<tensor.shape[1]).map { Int(tensor[b, $0]) } }
    }

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        return TensorComparison(a, b).maxAbsoluteError / max(b.scalars.map(abs).max() ?? 1, 1e-12)
    }

    @Test("Text towers: last_hidden_state and the pooled output under both EOS rules, with and without text_model.",
          arguments: ["clip_text", "clip_text_projection_argmax", "siglip_text"], KernelPath.allCases)
    func textTowers(name: String, path: KernelPath) throws {
        let model = try DualEncoder.load(directory: Fixtures.path("text/\(name)"), packWeights: path.packWeights)
        try path.run { try Self.checkTextTower(model, name: name) }
    }

    static func checkTextTower(_ model: DualEncoder, name: String) throws {
        let io = try Fixtures.open("text/\(name)/io")
        let ids = Self.ids(try io["input_ids"]), mask = Self.ids(try io["attention_mask"])
        let text = try #require(model.text)
        let output = try text.encode(inputIDs: ids, attentionMask: model.family == .siglip ? nil : mask)
        let hidden = relativeError(try #require(output.lastHiddenState), try io["last_hidden_state"])
        #expect(hidden <= 1e-5, "\(name) last_hidden_state: \(hidden)")
        let features = try model.textFeatures(inputIDs: ids, attentionMask: model.family == .siglip ? nil : mask)
        let expected = io.entry(named: "pooler_output") != nil ? try io["pooler_output"] : try io["text_embeds"]
        let error = relativeError(features, expected)
        #expect(error <= 1e-4, "\(name) pooled: \(error)")
        // The pooled-only path (CLIP stops after the last pooled position) gives the pooled rows of the full pass.
        let textMask = model.family == .siglip ? nil : mask
        let full = try text.encode(inputIDs: ids, attentionMask: textMask, lastHiddenState: true).poolerOutput
        let short = try text.encode(inputIDs: ids, attentionMask: textMask, lastHiddenState: false).poolerOutput
        #expect(relativeError(short, full) <= 1e-6, "\(name): \(relativeError(short, full))")
    }

    @Test("CLIP's pooled-only path (sequences packed to their pooled position) equals the padded pass: left padding, masked tokens, one row, long batches")
    func packedPooledPath() throws {
        let text = try #require(try DualEncoder.load(directory: Fixtures.path("text/clip_text")).text)
        let io = try Fixtures.open("text/clip_text/io")
        var ids = Self.ids(try io["input_ids"]), mask = Self.ids(try io["attention_mask"])
        // Left padding on row 0 (pads masked before the text) and a masked token inside row 1.
        ids[0] = Array(repeating: 98, count: 4) + ids[0].prefix(8)
        mask[0] = Array(repeating: 0, count: 4) + mask[0].prefix(8)
        mask[1][3] = 0
        for (rows, masks) in [(ids, mask), ([ids[2]], [mask[2]]), (Array(repeating: ids, count: 30).flatMap { $0 }, Array(repeating: mask, count: 30).flatMap { $0 })] {
            let full = try text.encode(inputIDs: rows, attentionMask: masks, lastHiddenState: true).poolerOutput
            let packed = try text.encode(inputIDs: rows, attentionMask: masks, lastHiddenState: false).poolerOutput
            #expect(packed.shape == full.shape && Self.relativeError(packed, full) <= 1e-6)
        }
    }

    @Test("Full models: image and text embeddings, logits_per_image and probabilities", arguments: ["clip_full", "siglip_full"])
    func fullModels(name: String) throws {
        let model = try DualEncoder.load(directory: Fixtures.path("text/\(name)"))
        let io = try Fixtures.open("text/\(name)/io")
        let ids = Self.ids(try io["input_ids"]), mask = Self.ids(try io["attention_mask"])
        let images = try model.imageFeatures(try io["pixel_values"]).normalized()
        let texts = try model.textFeatures(inputIDs: ids, attentionMask: model.family == .siglip ? nil : mask).normalized()
        #expect(Self.relativeError(images, try io["image_embeds"]) <= 1e-4)
        #expect(Self.relativeError(texts, try io["text_embeds"]) <= 1e-4)
        let logits = try model.logitsPerImage(imageEmbeddings: images, textEmbeddings: texts)
        #expect(Self.relativeError(logits, try io["logits_per_image"]) <= 1e-4)
        let probabilities = try model.probabilities(logitsPerImage: logits)
        #expect(Self.relativeError(probabilities, try io["probs"]) <= 1e-4)
        #expect(model.imageEmbeddingName == (name == "clip_full" ? "clip.image_embeds" : "siglip.pooler_output"))
        #expect(model.textEmbeddingName == (name == "clip_full" ? "clip.text_embeds" : "siglip.pooler_output"))
        // The parameters round-trip under the checkpoint's keys.
        let file = try SafeTensorsFile(path: Fixtures.path("text/\(name)/model.safetensors"))
        #expect(Set(model.namedParameters.keys) == Set(file.tensorNames))
        #expect(model.parameterCount == file.entries.reduce(0) { $0 + $1.shape.reduce(1, *) })
    }
}
