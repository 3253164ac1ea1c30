internal import CVLBlocksImageCodecs
import Foundation

extension RGBImage {
    /// The image as PNG bytes (through the system's libpng).
    /// - Throws: ``ImageError`` when libpng cannot encode it.
    public func pngData() throws(ImageError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = pixels.withUnsafeBufferPointer { vlb_png_encode_rgb($0.baseAddress, Int32(width), Int32(height), &buffer, &size) }
        guard status == Int32(VLB_IMAGE_OK.rawValue), let buffer else { throw .corrupt(file: "<png encoder>", reason: "libpng could not encode a \(width) x \(height) image") }
        defer { free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }

    /// The image scaled (Pillow's bicubic) so that its longer side is at most `side` pixels; smaller images stay as they are.
    public func thumbnail(fitting side: Int) -> RGBImage {
        let longer = max(width, height)
        guard longer > side, side > 0 else { return self }
        let w = max(1, width * side / longer), h = max(1, height * side / longer)
        return PillowResize.bicubic(self, width: w, height: h)
    }
}
