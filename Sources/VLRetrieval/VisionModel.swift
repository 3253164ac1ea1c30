import Foundation
public import VLCore
public import VLImage
public import VLTransformer

/// A vision tower together with the image processor its checkpoint declares: images in, features out.
///
/// ```swift
/// let model = try VisionModel.load(directory: "clip-vit-large-patch14-336")
/// let features = try model.features(try RGBImage(contentsOf: "cat.jpg"))   // hidden_states[-2], patches, grid
/// ```
public struct VisionModel: Sendable {
    public let tower: VisionTransformer
    public let processor: ImageProcessor

    public init(tower: VisionTransformer, processor: ImageProcessor) {
        self.tower = tower
        self.processor = processor
    }

    /// Loads a Hugging Face checkpoint folder: `config.json`, the weights, and `preprocessor_config.json` when
    /// present (else the family's processor at its default size, see ``ImageProcessor/init(for:)``).
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> VisionModel {
        let tower = try VisionTower.load(directory: directory, packWeights: packWeights, precision: precision)
        let processor = try ImageProcessor.forCheckpoint(directory: directory, tower: tower.configuration)
        return VisionModel(tower: tower, processor: processor)
    }

    /// `pixel_values [1, 3, H, W]` of `image`, as the checkpoint's processor makes them.
    public func pixelValues(_ image: RGBImage) throws -> Tensor { try processor.pixelValues(image) }

    /// The tower's outputs for `image` (see ``VisionTransformer/encode(_:hiddenStates:)``).
    public func encode(_ image: RGBImage, hiddenStates: Bool = false) throws -> VisionEncoderOutput {
        try tower.encode(try pixelValues(image), hiddenStates: hiddenStates)
    }

    /// The features a vision-language model takes from `image` (see ``VisionTransformer/features(_:selection:)``).
    public func features(_ image: RGBImage, selection: FeatureSelection = .llava) throws -> ImageFeatures {
        try tower.features(try pixelValues(image), selection: selection)
    }
}

extension ImageProcessor.Family {
    /// The processor family of a tower family: CLIP's for CLIP, SigLIP's for SigLIP, the Bit processor DINOv2
    /// checkpoints configure for DINOv2 with or without registers.
    public init(_ family: VisionFamily) {
        switch family {
        case .clip: self = .clip
        case .siglip: self = .siglip
        case .dinov2, .dinov2WithRegisters: self = .dinov2
        }
    }
}

extension ImageProcessor {
    /// The processor a tower takes without a `preprocessor_config.json`: its family's at the tower's native size,
    /// except DINOv2's at 224 px (the Bit processor's default crop; the 518 px position table interpolates).
    public init(for tower: VisionTransformerConfiguration) {
        self.init(Family(tower.family), size: Self.defaultSize(for: tower))
    }

    /// The processor of a checkpoint folder: its `preprocessor_config.json`, or ``init(for:)``.
    public static func forCheckpoint(directory: String, tower: VisionTransformerConfiguration) throws -> ImageProcessor {
        try forCheckpoint(directory: directory, family: Family(tower.family), nativeSize: defaultSize(for: tower))
    }

    private static func defaultSize(for tower: VisionTransformerConfiguration) -> Int {
        Family(tower.family) == .dinov2 ? 224 : tower.imageSize
    }
}
