import Foundation
import VLCore

/// An 8-bit RGB image, rows top to bottom, pixels interleaved `R G B`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes.
    public let pixels: [UInt8]
    /// The transparency colour Pillow keeps on an image converted to RGB (`info["transparency"]`: a palette's
    /// transparent entry, a grey or RGB tRNS key), which transformers' processors composite on white: pixels of
    /// this colour turn white in ``ImageProcessor`` (see ``Pixel``). Nil for most images.
    public let transparentColor: Pixel?

    /// Wraps interleaved RGB bytes.
    /// - Throws: ``ImageError/corrupt(file:reason:)`` when `pixels` does not hold `height * width * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(ImageError) {
        try self.init(width: width, height: height, pixels: pixels, transparentColor: nil)
    }

    /// Wraps interleaved RGB bytes with the transparency colour Pillow would keep on them (see ``transparentColor``).
    /// - Throws: ``ImageError/corrupt(file:reason:)`` when `pixels` does not hold `height * width * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8], transparentColor: Pixel?) throws(ImageError) {
        guard width >= 0, height >= 0, let count = Tensor.checkedCount([height, width, 3]), pixels.count == count else {
            throw .corrupt(file: "<memory>", reason: "\(pixels.count) bytes for a \(width) x \(height) RGB image")
        }
        self.init(checkedWidth: width, height: height, pixels: pixels, transparentColor: transparentColor)
    }

    /// For the library's own results, whose sizes hold by construction.
    init(checkedWidth width: Int, height: Int, pixels: [UInt8], transparentColor: Pixel? = nil) {
        precondition(pixels.count == width * height * 3, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.transparentColor = transparentColor
    }

    /// The largest image decoded by default: PIL's decompression-bomb limit, 89,478,485 pixels
    /// (a 9459 x 9459 square); larger images are refused before their pixels are decoded.
    public static let defaultPixelLimit = 89_478_485
}
