/// The EXIF orientation tag (0x0112) of an image, and how PIL's `ImageOps.exif_transpose` undoes it.
public enum ExifOrientation: Int, Sendable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Parses the TIFF structure of an EXIF block (after the APP1 `Exif\0\0` of a JPEG; one or two such prefixes
    /// are skipped, as Pillow does); anything malformed or absent reads as `.up`.
    public init(exif: [UInt8]) {
        self = Self.tagValue(inExif: exif).flatMap(ExifOrientation.init(rawValue:)) ?? .up
    }

    /// The value of the orientation tag in the first IFD of an EXIF block (the last entry when it repeats), whatever
    /// it is, or nil when the block has no such tag or is malformed: Pillow reads an XMP orientation only when EXIF
    /// has no tag at all.
    static func tagValue(inExif block: [UInt8]) -> Int? {
        var exif = block[...]
        let prefix = Array("Exif".utf8) + [0, 0]
        for _ in 0..<2 where exif.starts(with: prefix) { exif = exif.dropFirst(6) }
        let start = exif.startIndex
        guard exif.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (exif[start], exif[start + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u8(_ offset: Int) -> Int? {
            guard offset >= 0, offset < exif.count else { return nil }
            return Int(exif[start + offset])
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= exif.count else { return nil }
            let (a, b) = (Int(exif[start + offset]), Int(exif[start + offset + 1]))
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> Int? {
            guard let low = u16(littleEndian ? offset : offset + 2), let high = u16(littleEndian ? offset + 2 : offset) else { return nil }
            return low | high << 16
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        var found: Int?
        for entry in 0..<min(count, 512) {
            let base = ifd + 2 + 12 * entry
            guard let tag = u16(base), let type = u16(base + 2), let items = u32(base + 4) else { break }
            guard tag == 0x0112 else { continue }
            // One BYTE, SHORT, LONG, SSHORT or SLONG value, stored at the start of the value field.
            switch (type, items) {
            case (1, 1): found = u8(base + 8)
            case (3, 1): found = u16(base + 8)
            case (4, 1): found = u32(base + 8)
            case (8, 1): found = u16(base + 8).map { Int(Int16(truncatingIfNeeded: $0)) }
            case (9, 1): found = u32(base + 8).map { Int(Int32(truncatingIfNeeded: $0)) }
            default: found = 0
            }
        }
        return found
    }

    /// Pillow's reading of an XMP packet: the first digit after `tiff:Orientation="` or `tiff:Orientation>`.
    static func tagValue(inXMP xmp: [UInt8]) -> Int? {
        let name = Array("tiff:Orientation".utf8)
        var i = 0
        while i + name.count + 1 < xmp.count {
            if xmp[i] == name[0], xmp[i..<(i + name.count)].elementsEqual(name) {
                let next = i + name.count
                if xmp[next] == UInt8(ascii: ">"), (48...57).contains(xmp[next + 1]) { return Int(xmp[next + 1]) - 48 }
                if xmp[next] == UInt8(ascii: "="), next + 2 < xmp.count, xmp[next + 1] == UInt8(ascii: "\""),
                   (48...57).contains(xmp[next + 2]) {
                    return Int(xmp[next + 2]) - 48
                }
            }
            i += 1
        }
        return nil
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
        return RGBImage(checkedWidth: outW, height: outH, pixels: out, transparentColor: transparentColor)
    }
}
