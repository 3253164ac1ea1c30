import Foundation
public import VLCore
public import VLText
import VLImage

/// Text embeddings of a dual encoder's text tower: the checkpoint's tokenizer (padded to the model's length, as
/// transformers' `AutoTokenizer(texts, padding="max_length", truncation=True)`), the text features its family
/// defines (``DualEncoder/textEmbeddingName``), L2-normalised.
public struct TextEmbedder: Sendable {
    public let encoder: DualEncoder
    public let tokenizer: any TextTokenizer
    public let checkpointName: String
    /// `clip.text_embeds`, `clip.pooler_output` or `siglip.pooler_output`.
    public let embeddingName: String

    public var maxLength: Int { tokenizer.maxLength }

    public init(encoder: DualEncoder, tokenizer: any TextTokenizer, checkpointName: String, embeddingName: String) {
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.checkpointName = checkpointName
        self.embeddingName = embeddingName
    }

    /// Loads the text side of the checkpoint folder at `directory` (`CLIPModel`, `CLIPTextModel(WithProjection)`,
    /// `SiglipModel`, `SiglipTextModel`) and its tokenizer files.
    /// - Throws: ``ConfigurationError`` when the folder has no text tower; ``TokenizerError`` for missing or bad
    ///   tokenizer files.
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> TextEmbedder {
        let encoder = try DualEncoder.load(directory: directory, packWeights: packWeights, precision: precision)
        try encoder.requireText(directory)
        return TextEmbedder(encoder: encoder, tokenizer: try loadTokenizer(directory: directory),
                            checkpointName: (directory as NSString).lastPathComponent, embeddingName: encoder.textEmbeddingName!)
    }

    /// Normalised embeddings `[N, D]` of `texts`, `batch` texts per forward pass, and how many texts were longer than
    /// the model's length (truncated, keeping the end token, as transformers does).
    public func embed(_ texts: [String], batch: Int = 64) throws -> (file: EmbeddingFile, truncated: Int) {
        var rows: [Tensor] = []
        var truncated = 0
        for start in stride(from: 0, to: texts.count, by: max(batch, 1)) {
            let chunk = Array(texts[start..<min(texts.count, start + max(batch, 1))])
            rows.append(try embedBatch(chunk))
            truncated += chunk.filter { tokenizer.encode($0).count > tokenizer.maxLength }.count
        }
        let embeddings = try Tensor(concatenating: rows, axis: 0)
        return (EmbeddingFile(embeddings: embeddings, kind: .texts, items: texts, embedding: embeddingName, checkpoint: checkpointName),
                truncated)
    }

    /// The normalised embeddings of one batch.
    public func embedBatch(_ texts: [String]) throws -> Tensor {
        let tokens = tokenizer(texts, padding: .maxLength, truncation: true)
        // SigLIP attends to every position, padding included (its tokenizer returns no mask).
        let mask = encoder.family == .siglip ? nil : tokens.attentionMask
        let features = try encoder.textFeatures(inputIDs: tokens.inputIDs, attentionMask: mask)
        return try ImageEmbedder.normalizedRows(features, names: texts)
    }
}

extension DualEncoder {
    func requireText(_ directory: String) throws {
        guard text != nil, textEmbeddingName != nil else {
            throw ConfigurationError(field: directory, reason: "this checkpoint has no text tower (an image-only model)")
        }
    }

    func requireVision(_ directory: String) throws {
        guard vision != nil else {
            throw ConfigurationError(field: directory, reason: "this checkpoint has no image tower (a text-only model)")
        }
    }
}

/// Zero-shot classification and image-text similarity with a two-tower checkpoint (`CLIPModel`, `SiglipModel`).
public struct ZeroShotClassifier: Sendable {
    public let images: ImageEmbedder
    public let texts: TextEmbedder

    /// Loads both towers of `directory`.
    /// - Throws: ``ConfigurationError`` when the folder lacks a tower or the logit scale.
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> ZeroShotClassifier {
        let encoder = try DualEncoder.load(directory: directory, packWeights: packWeights, precision: precision)
        try encoder.requireVision(directory)
        try encoder.requireText(directory)
        guard encoder.logitScale != nil else {
            throw ConfigurationError(field: directory, reason: "this checkpoint has no logit_scale (load a CLIPModel or SiglipModel folder)")
        }
        let name = (directory as NSString).lastPathComponent
        let processor = try ImageProcessor.forCheckpoint(directory: directory, tower: encoder.vision!.configuration)
        return ZeroShotClassifier(
            images: ImageEmbedder(encoder: encoder, processor: processor, checkpointName: name, embeddingName: encoder.imageEmbeddingName!),
            texts: TextEmbedder(encoder: encoder, tokenizer: try loadTokenizer(directory: directory), checkpointName: name,
                                embeddingName: encoder.textEmbeddingName!))
    }

    /// `logits_per_image [images, texts]`: `exp(logit_scale) · cos (+ logit_bias)`.
    public func logitsPerImage(images imageEmbeddings: Tensor, texts textEmbeddings: Tensor) throws -> Tensor {
        try images.encoder.logitsPerImage(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings)
    }

    /// Each label's probability per image: CLIP's softmax over the labels, SigLIP's sigmoid per pair. Labels go into
    /// `template` at `{}` (e.g. `a photo of a {}.`).
    /// - Throws: ``ConfigurationError`` for an empty label list or an empty label.
    public func classify(images imageEmbeddings: Tensor, labels: [String], template: String = "{}") throws -> Tensor {
        guard !labels.isEmpty, labels.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ConfigurationError(field: "labels", reason: "needs at least one label, and no empty one")
        }
        let prompts = labels.map { template.replacingOccurrences(of: "{}", with: $0) }
        let textEmbeddings = try texts.embed(prompts).file.embeddings
        return try images.encoder.probabilities(logitsPerImage: try logitsPerImage(images: imageEmbeddings, texts: textEmbeddings))
    }
}
