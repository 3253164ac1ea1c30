public import Foundation
public import VLCore

/// Preprocessing that matches transformers' PIL image processors: resize (Pillow bicubic), center crop,
/// rescale by 1/255 and normalise per channel, producing `pixel_values [1, 3, H, W]`.
///
/// - `clip` (`CLIPImageProcessor`): shortest edge to `size`, center crop `size x size`, CLIP mean/std.
/// - `siglip` (`SiglipImageProcessor`): resize to `size x size`, mean/std 0.5.
/// - `dinov2` (`BitImageProcessor` as DINOv2 checkpoints configure it): shortest edge to
///   `floor(size * 256 / 224)`, center crop `size x size`, ImageNet mean/std.
public struct ImageProcessor: Sendable, Equatable {
    /// How the image is resized before cropping.
    public enum Resize: Sendable, Equatable {
        /// Shorter side to this length, the longer one `floor(length * long / short)`.
        case shortestEdge(Int)
        case exact(height: Int, width: Int)
    }

    public var resize: Resize?
    public var crop: (height: Int, width: Int)?
    public var rescaleFactor: Double?
    public var mean: [Float]?
    public var std: [Float]?

    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
    public static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imagenetStd: [Float] = [0.229, 0.224, 0.225]

    public init(resize: Resize?, crop: (height: Int, width: Int)?, rescaleFactor: Double? = 1.0 / 255, mean: [Float]?, std: [Float]?) {
        self.resize = resize
        self.crop = crop
        self.rescaleFactor = rescaleFactor
        self.mean = mean
        self.std = std
    }

    /// The processor families `vlblocks preprocess --processor` names.
    public enum Family: String, Sendable, CaseIterable {
        case clip, siglip, dinov2
    }

    /// A family's processor at output size `size`.
    public init(_ family: Family, size: Int) {
        switch family {
        case .clip:
            self.init(resize: .shortestEdge(size), crop: (size, size), mean: Self.clipMean, std: Self.clipStd)
        case .siglip:
            self.init(resize: .exact(height: size, width: size), crop: nil, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        case .dinov2:
            self.init(resize: .shortestEdge(size * 256 / 224), crop: (size, size), mean: Self.imagenetMean, std: Self.imagenetStd)
        }
    }

    public static func == (l: Self, r: Self) -> Bool {
        l.resize == r.resize && l.crop?.height == r.crop?.height && l.crop?.width == r.crop?.width
            && l.rescaleFactor == r.rescaleFactor && l.mean == r.mean && l.std == r.std
    }

    /// Largest side a resize or crop may produce: 16384 pixels, with at most ``RGBImage/defaultPixelLimit``
    /// pixels in all (a thin image resized by its shortest edge would otherwise ask for terabytes).
    public static let maximumSide = 16_384

    /// The 8-bit image after resizing and cropping (before rescaling and normalising). First, as the processors'
    /// `convert_to_rgb` does, pixels of the image's ``RGBImage/transparentColor`` become white.
    /// - Throws: ``ImageError/empty(file:)`` for an image without pixels; ``ImageError/tooLarge(file:reason:)``
    ///   when a target size is not positive or the resized image would exceed the limits (``maximumSide``).
    public func resizedAndCropped(_ image: RGBImage) throws(ImageError) -> RGBImage {
        guard image.width > 0, image.height > 0 else { throw .empty(file: "<image>") }
        var result = image.transparentColorOnWhite()
        switch resize {
        case .shortestEdge(let length)?:
            let (w, h) = (image.width, image.height)
            let (short, long) = w <= h ? (w, h) : (h, w)
            let newLong = Double(length) * Double(long) / Double(short)
            guard newLong < Double(Self.maximumSide) + 1 else {
                throw .tooLarge(file: "<image>", reason: "resizing \(w) x \(h) to a shortest edge of \(length) gives a side of \(Int(newLong)) > \(Self.maximumSide)")
            }
            let (outW, outH) = w <= h ? (length, Int(newLong)) : (Int(newLong), length)
            try Self.checkTarget(width: outW, height: outH, step: "resize")
            result = PillowResize.bicubic(result, width: outW, height: outH)
        case .exact(let height, let width)?:
            try Self.checkTarget(width: width, height: height, step: "resize")
            result = PillowResize.bicubic(result, width: width, height: height)
        case nil:
            break
        }
        if let crop {
            try Self.checkTarget(width: crop.width, height: crop.height, step: "crop")
            result = Self.centerCrop(result, height: crop.height, width: crop.width)
        }
        return result
    }

    static func checkTarget(width: Int, height: Int, step: String) throws(ImageError) {
        guard (1...maximumSide).contains(width), (1...maximumSide).contains(height), width * height <= RGBImage.defaultPixelLimit else {
            throw .tooLarge(file: "<image>", reason: "\(step) to \(width) x \(height) is outside 1 ... \(maximumSide) per side or above \(RGBImage.defaultPixelLimit) pixels")
        }
    }

    /// transformers' `center_crop`: offsets `(H - h) // 2`, `(W - w) // 2`, zero padding when the crop is
    /// larger than the image.
    static func centerCrop(_ image: RGBImage, height: Int, width: Int) -> RGBImage {
        if image.height == height && image.width == width { return image }
        let top = Int((Double(image.height - height) / 2).rounded(.down))
        let left = Int((Double(image.width - width) / 2).rounded(.down))
        var out = [UInt8](repeating: 0, count: height * width * 3)
        for y in 0..<height {
            let sy = y + top
            if sy < 0 || sy >= image.height { continue }
            for x in 0..<width {
                let sx = x + left
                if sx < 0 || sx >= image.width { continue }
                for c in 0..<3 { out[(y * width + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
            }
        }
        return RGBImage(checkedWidth: width, height: height, pixels: out)
    }

    /// `pixel_values [1, 3, H, W]`: `(float32(v * rescale) - mean) / std` per channel, in the order and
    /// precision transformers uses (rescale in Double, then fp32).
    /// - Throws: as ``resizedAndCropped(_:)``.
    public func pixelValues(_ image: RGBImage) throws(ImageError) -> Tensor {
        let processed = try resizedAndCropped(image)
        let (w, h) = (processed.width, processed.height)
        return Tensor(shape: [1, 3, h, w]) { out in
            for c in 0..<3 {
                let m = mean?[c] ?? 0, s = std?[c] ?? 1
                for p in 0..<(w * h) {
                    let raw = Double(processed.pixels[p * 3 + c])
                    var value = rescaleFactor.map { Float(raw * $0) } ?? Float(raw)
                    if mean != nil { value = (value - m) / s }
                    out[c * w * h + p] = value
                }
            }
        }
    }
}

extension ImageProcessor {
    /// Reads a transformers `preprocessor_config.json` (CLIP, SigLIP and Bit/DINOv2 processors).
    /// Only bicubic resampling (`resample: 3`) is supported.
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public init(preprocessorConfig data: Data, file: String = "preprocessor_config.json") throws(ConfigurationError) {
        self = try ConfigurationDecoding.decode(PreprocessorConfigFile.self, from: data, file: file).processor
    }

    /// The processor of a checkpoint folder: its `preprocessor_config.json`, or the family default at the
    /// tower's native size.
    public static func forCheckpoint(directory: String, family: Family, nativeSize: Int) throws -> ImageProcessor {
        let path = (directory as NSString).appendingPathComponent("preprocessor_config.json")
        guard let data = FileManager.default.contents(atPath: path) else { return ImageProcessor(family, size: nativeSize) }
        return try ImageProcessor(preprocessorConfig: data, file: path)
    }
}
