/// The EXIF orientation tag (0x0112) of a JPEG, and how PIL's `ImageOps.exif_transpose` undoes it.
public enum ExifOrientation: Int, Sendable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Parses the TIFF structure of an APP1 `Exif` payload (after `Exif\0\0`); anything malformed or absent
    /// reads as `.up`.
    public init(exif: [UInt8]) {
        self = .up
        guard exif.count >= 8 else { return }
        let littleEndian: Bool
        switch (exif[0], exif[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= exif.count else { return nil }
            let (a, b) = (Int(exif[offset]), Int(exif[offset + 1]))
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> Int? {
            guard let low = u16(littleEndian ? offset : offset + 2), let high = u16(littleEndian ? offset + 2 : offset) else { return nil }
            return low | high << 16
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return }
        for entry in 0..<min(count, 512) {
            let base = ifd + 2 + 12 * entry
            guard let tag = u16(base) else { return }
            if tag == 0x0112, u16(base + 2) == 3, let value = u16(base + 8), let orientation = ExifOrientation(rawValue: value) {
                self = orientation
                return
            }
        }
    }
}

extension RGBImage {
    /// The image as it should be displayed, given the orientation it was stored with
    /// (PIL's `exif_transpose`: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
    /// 7 transverse, 8 rotate 90 counter-clockwise).
    public func oriented(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .up { return self }
        let (w, h) = (width, height)
        let swaps = orientation.rawValue >= 5
        let (outW, outH) = swaps ? (h, w) : (w, h)
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<outH {
            for x in 0..<outW {
                let (sx, sy): (Int, Int)
                switch orientation {
                case .up: (sx, sy) = (x, y)
                case .upMirrored: (sx, sy) = (w - 1 - x, y)
                case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                case .downMirrored: (sx, sy) = (x, h - 1 - y)
                case .leftMirrored: (sx, sy) = (y, x)
                case .right: (sx, sy) = (y, h - 1 - x)
                case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                case .left: (sx, sy) = (w - 1 - y, x)
                }
                let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
                out[d] = pixels[s]
                out[d + 1] = pixels[s + 1]
                out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(checkedWidth: outW, height: outH, pixels: out)
    }
}
