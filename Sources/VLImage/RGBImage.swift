import Foundation
import VLCore
internal import CVLBlocksImageCodecs

/// An 8-bit RGB image, rows top to bottom, pixels interleaved `R G B`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes.
    public let pixels: [UInt8]

    /// Wraps interleaved RGB bytes.
    /// - Throws: ``ImageError/corrupt(file:reason:)`` when `pixels` does not hold `height * width * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(ImageError) {
        guard width >= 0, height >= 0, let count = Tensor.checkedCount([height, width, 3]), pixels.count == count else {
            throw .corrupt(file: "<memory>", reason: "\(pixels.count) bytes for a \(width) x \(height) RGB image")
        }
        self.init(checkedWidth: width, height: height, pixels: pixels)
    }

    /// For the library's own results, whose sizes hold by construction.
    init(checkedWidth width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The largest image decoded by default: PIL's decompression-bomb limit, 89,478,485 pixels
    /// (a 9459 x 9459 square); larger images are refused before their pixels are decoded.
    public static let defaultPixelLimit = 89_478_485

    /// How transparent pixels become RGB.
    public enum AlphaHandling: String, Sendable, CaseIterable {
        /// Keep the color channels as they are (PIL's `convert("RGB")`).
        case drop
        /// Composite onto white with PIL's `alpha_composite` rounding, as transformers 5.x's `convert_to_rgb`.
        case compositeOnWhite = "white"
    }

    /// Decodes a PNG or JPEG file; JPEG EXIF orientation is applied; grey is expanded to RGB.
    public init(contentsOf path: String, alpha: AlphaHandling = .drop, pixelLimit: Int = RGBImage.defaultPixelLimit) throws(ImageError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw .unreadable(file: path, reason: reason)
        }
        try self.init(encoded: [UInt8](data), source: path, alpha: alpha, pixelLimit: pixelLimit)
    }

    /// Decodes PNG or JPEG bytes.
    public init(encoded data: [UInt8], source: String = "<memory>", alpha: AlphaHandling = .drop,
                pixelLimit: Int = RGBImage.defaultPixelLimit) throws(ImageError) {
        let isPNG = data.count >= 8 && data[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let isJPEG = data.count >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
        guard isPNG || isJPEG else { throw .unsupportedFormat(file: source) }
        var decoded = vlb_decoded_image()
        let status = data.withUnsafeBufferPointer { buffer in
            isPNG ? vlb_png_decode(buffer.baseAddress, buffer.count, UInt(max(pixelLimit, 0)), &decoded)
                : vlb_jpeg_decode(buffer.baseAddress, buffer.count, UInt(max(pixelLimit, 0)), &decoded)
        }
        defer { vlb_image_release(&decoded) }
        let message = withUnsafeBytes(of: decoded.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch vlb_image_status(rawValue: UInt32(status)) {
        case VLB_IMAGE_OK: break
        case VLB_IMAGE_TOO_LARGE: throw .tooLarge(file: source, reason: message)
        case VLB_IMAGE_EMPTY: throw .empty(file: source)
        case VLB_IMAGE_UNSUPPORTED: throw .unsupported(file: source, reason: message)
        default: throw .corrupt(file: source, reason: message)
        }
        let (w, h, channels) = (Int(decoded.width), Int(decoded.height), Int(decoded.channels))
        let source = UnsafeBufferPointer(start: decoded.pixels, count: w * h * channels)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            let p = i * channels
            let (r, g, b): (UInt8, UInt8, UInt8) = channels >= 3 ? (source[p], source[p + 1], source[p + 2]) : (source[p], source[p], source[p])
            let a: UInt8? = channels == 2 ? source[p + 1] : channels == 4 ? source[p + 3] : nil
            if let a, alpha == .compositeOnWhite {
                rgb[3 * i] = Self.compositeOnWhite(r, alpha: a)
                rgb[3 * i + 1] = Self.compositeOnWhite(g, alpha: a)
                rgb[3 * i + 2] = Self.compositeOnWhite(b, alpha: a)
            } else {
                rgb[3 * i] = r
                rgb[3 * i + 1] = g
                rgb[3 * i + 2] = b
            }
        }
        var image = RGBImage(checkedWidth: w, height: h, pixels: rgb)
        if isJPEG, decoded.exif != nil {
            let exif = [UInt8](UnsafeBufferPointer(start: decoded.exif, count: decoded.exif_size))
            image = image.oriented(ExifOrientation(exif: exif))
        }
        self = image
    }

    /// One channel of PIL's `alpha_composite(white, pixel)`: 7-bit fixed point, rounding division by 255.
    static func compositeOnWhite(_ value: UInt8, alpha: UInt8) -> UInt8 {
        if alpha == 0 { return 255 }
        let precision: UInt32 = 7
        let a = UInt32(alpha)
        let blend = 255 * (255 - a)
        let outA255 = a * 255 + blend
        let coefficient1 = a * 255 * 255 * (1 << precision) / outA255
        let coefficient2 = 255 * (1 << precision) - coefficient1
        let t = UInt32(value) * coefficient1 + 255 * coefficient2 + (0x80 << precision)
        let divided = ((t >> 8) + t) >> 8
        return UInt8(truncatingIfNeeded: divided >> precision)
    }
}
