import Foundation

extension RGBImage {
    /// How transparent pixels become RGB.
    public enum AlphaHandling: String, Sendable, CaseIterable {
        /// Keep the colour channels as they are (PIL's `convert("RGB")`, what transformers' pipelines do after
        /// `Image.open`): the alpha band is dropped, a palette's transparent entry keeps its palette colour. The
        /// transparency colour Pillow keeps on the converted image is kept in ``RGBImage/transparentColor``, and
        /// ``ImageProcessor`` composites it on white as the pipelines' processors do.
        case drop
        /// Composite onto white with PIL's `alpha_composite` rounding, as transformers 5.x's `convert_to_rgb` does
        /// for images with an alpha band or a transparency (a tRNS chunk, a GIF's transparent index).
        case compositeOnWhite = "white"
    }

    /// How 16-bit single-channel images (16-bit grey PNG and TIFF, Pillow's `I;16`) become 8 bits.
    public enum Grey16Handling: String, Sendable, CaseIterable {
        /// Values above 255 become 255, as Pillow's `convert("RGB")` does: what transformers' pipelines see (such
        /// photos turn almost white). The default, since parity with the pipelines is the contract.
        case clip
        /// The high byte (`value >> 8`), as Pillow reads 16-bit RGB and RGBA: the photograph as it looks.
        case scale
    }

    /// Decodes a PNG, JPEG, WebP, GIF, BMP or TIFF file (recognised from its bytes) as Pillow 13 reads it, then
    /// applies the EXIF orientation (PIL's `exif_transpose`) and converts to RGB (see ``init(encoded:source:alpha:grey16:pixelLimit:)``).
    /// - Throws: ``ImageError`` naming `path` and what is wrong.
    public init(contentsOf path: String, alpha: AlphaHandling = .drop, grey16: Grey16Handling = .clip,
                pixelLimit: Int = RGBImage.defaultPixelLimit) throws(ImageError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw .unreadable(file: path, reason: reason)
        }
        try self.init(encoded: [UInt8](data), source: path, alpha: alpha, grey16: grey16, pixelLimit: pixelLimit)
    }

    /// Decodes PNG, JPEG, WebP, GIF, BMP or TIFF bytes (the format is recognised from its signature) as Pillow 13's
    /// `Image.open` + `ImageOps.exif_transpose` + `convert("RGB")` do: the first frame of animations, palettes
    /// looked up, CMYK converted with Pillow's formula, 16-bit grey clipped (or scaled, see ``Grey16Handling``),
    /// alpha dropped or composited on white (``AlphaHandling``).
    /// - Throws: ``ImageError``: unknown format, malformed or truncated data, a size above `pixelLimit` (checked
    ///   before decoding), a zero side, or a valid file of a kind VLBlocks does not read.
    public init(encoded data: [UInt8], source: String = "<memory>", alpha: AlphaHandling = .drop, grey16: Grey16Handling = .clip,
                pixelLimit: Int = RGBImage.defaultPixelLimit) throws(ImageError) {
        guard let format = ImageFormat(sniffing: data) else { throw .unsupportedFormat(file: source) }
        let (image, orientation) = try ImageDecoding.withDecodedPixels(data, format: format, source: source, pixelLimit: pixelLimit) {
            pixels in (pixels.rgbImage(alpha: alpha, grey16: grey16), pixels.orientation)
        }
        self = image.oriented(orientation)
    }
}
