import Foundation
public import VLCore
public import VLTransformer

/// A CLIP or SigLIP dual encoder: an image tower and a text tower that meet in one embedding space, as `CLIPModel`
/// and `SiglipModel` of transformers 5.23. Loads whatever a checkpoint folder holds: both towers (`clip`, `siglip`),
/// or one (`clip_vision_model` with or without `visual_projection`, `clip_text_model` with or without
/// `text_projection`, `siglip_vision_model`, `siglip_text_model`, `dinov2`, `dinov2_with_registers`).
///
/// - Image features (`get_image_features`): CLIP `visual_projection(pooler_output)` (no bias), or `pooler_output`
///   without a projection; SigLIP the attention-pooling head's output; DINOv2 the normed class token.
/// - Text features (`get_text_features`): CLIP `text_projection(pooler_output)` (no bias) or `pooler_output`; SigLIP
///   `pooler_output` (the `head` of the last position).
/// - Scores: CLIP `logits_per_image = exp(logit_scale) · cos`, probabilities a softmax over the texts; SigLIP
///   `exp(logit_scale) · cos + logit_bias`, probabilities a sigmoid per pair.
public struct DualEncoder: Module {
    public enum Family: String, Sendable, Codable {
        case clip, siglip, dinov2
    }

    public let family: Family
    public let vision: VisionTransformer?
    public let visualProjection: Linear?
    public let text: TextTransformer?
    public let textProjection: Linear?
    /// `logit_scale` as stored (`[]` for CLIP, `[1]` for SigLIP): the log of the temperature scores are multiplied by.
    public let logitScaleParameter: Tensor?
    /// SigLIP's `logit_bias` as stored.
    public let logitBiasParameter: Tensor?
    public let parameters: ParameterRecord

    /// The (log) temperature; scores are multiplied by its exponential.
    public var logitScale: Float? { logitScaleParameter?.scalars.first }
    /// SigLIP's bias on the scores.
    public var logitBias: Float? { logitBiasParameter?.scalars.first }

    public init(family: Family, vision: VisionTransformer?, visualProjection: Linear?, text: TextTransformer?, textProjection: Linear?,
                logitScale: Tensor?, logitBias: Tensor?) {
        self.family = family
        self.vision = vision
        self.visualProjection = visualProjection
        self.text = text
        self.textProjection = textProjection
        self.logitScaleParameter = logitScale
        self.logitBiasParameter = logitBias
        let towers: [(String, (any Module)?)] = [("vision_model.", vision), ("visual_projection.", visualProjection), ("text_model.", text),
                                                 ("text_projection.", textProjection)]
        parameters = ParameterRecord(path: "", children: towers.compactMap { prefix, module in module.map { (prefix, $0.parameters) } },
                                     tensors: ["logit_scale": logitScale, "logit_bias": logitBias])
    }

    /// What ``imageFeatures(_:)`` computes, as the embedding files name it: `clip.image_embeds`, `clip.pooler_output`,
    /// `siglip.pooler_output` or `dinov2.cls`; nil without an image tower.
    public var imageEmbeddingName: String? {
        guard vision != nil else { return nil }
        switch family {
        case .clip: return visualProjection == nil ? "clip.pooler_output" : "clip.image_embeds"
        case .siglip: return "siglip.pooler_output"
        case .dinov2: return "dinov2.cls"
        }
    }

    /// What ``textFeatures(inputIDs:attentionMask:)`` computes: `clip.text_embeds`, `clip.pooler_output` or
    /// `siglip.pooler_output`; nil without a text tower.
    public var textEmbeddingName: String? {
        guard text != nil else { return nil }
        switch family {
        case .clip: return textProjection == nil ? "clip.pooler_output" : "clip.text_embeds"
        case .siglip, .dinov2: return "siglip.pooler_output"
        }
    }

    /// `get_image_features`: `pixel_values [B, C, H, W]` → `[B, P]` (not normalised).
    /// - Throws: ``ConfigurationError`` when the checkpoint has no image tower; ``ShapeError`` for bad pixels.
    public func imageFeatures(_ pixels: Tensor) throws -> Tensor {
        guard let vision else { throw ConfigurationError(field: "vision_model", reason: "this checkpoint has no image tower") }
        guard let pooled = try vision.pooledOutput(pixels) else {
            throw ConfigurationError(field: "vision_model", reason: "this image tower has no pooled output (a SigLIP tower without its head)")
        }
        return try visualProjection.map { try $0(pooled) } ?? pooled
    }

    /// `get_text_features`: token ids `[B][N]` (and the tokenizer's attention mask for CLIP) → `[B, P]` (not normalised).
    /// - Throws: ``ConfigurationError`` when the checkpoint has no text tower; ``ShapeError`` for bad ids.
    public func textFeatures(inputIDs: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        guard let text else { throw ConfigurationError(field: "text_model", reason: "this checkpoint has no text tower") }
        let pooled = try text.encode(inputIDs: inputIDs, attentionMask: attentionMask, lastHiddenState: false).poolerOutput
        return try textProjection.map { try $0(pooled) } ?? pooled
    }

    /// `logits_per_image [images, texts]` from normalised embeddings: `exp(logit_scale) · cos (+ logit_bias)`.
    /// - Throws: ``ConfigurationError`` without a `logit_scale`; ``ShapeError`` for embeddings of different widths.
    public func logitsPerImage(imageEmbeddings: Tensor, textEmbeddings: Tensor) throws -> Tensor {
        guard let logitScale else { throw ConfigurationError(field: "logit_scale", reason: "this checkpoint has no logit_scale (not a two-tower model)") }
        let cosine = try imageEmbeddings.matmul(textEmbeddings, transposeOther: true)
        let scaled = cosine * Float(Foundation.exp(Double(logitScale)))
        return logitBias.map { scaled + $0 } ?? scaled
    }

    /// Zero-shot probabilities from `logits_per_image`: CLIP's softmax over the texts, SigLIP's sigmoid per pair.
    public func probabilities(logitsPerImage logits: Tensor) throws -> Tensor {
        family == .siglip ? logits.sigmoid() : try logits.softmax(axis: -1)
    }
}
