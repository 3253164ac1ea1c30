/// Windows bitmaps, read as Pillow's BMP plugin reads them: `BITMAPCOREHEADER` and the 40 to 124-byte info headers;
/// 1, 4 and 8-bit palettes (uncompressed, RLE8, RLE4), 16-bit 5-5-5 and 5-6-5, 24-bit, 32-bit (with the bit-field
/// layouts Pillow accepts; alpha only when a bit field declares it); bottom-up and top-down rows.
///
/// Pure Swift: no system library reads BMP, and the format is a header and rows.
struct BMPDecoder {
    /// What the decoder makes of a file: the samples in Pillow's mode for it.
    struct Result {
        var width: Int
        var height: Int
        var layout: DecodedPixels.Layout
        var samples: [UInt8]
        var palette: [UInt8] = []
    }

    let bytes: [UInt8]
    let pixelLimit: Int

    /// A reason the file cannot be read, with the ``ImageError`` kind it becomes.
    struct Failure: Error {
        enum Kind { case corrupt, unsupported, tooLarge, empty }
        var kind: Kind
        var reason: String
    }

    private func u16(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, offset + 2 <= bytes.count else { throw Failure(kind: .corrupt, reason: "truncated header") }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    private func u32(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, offset + 4 <= bytes.count else { throw Failure(kind: .corrupt, reason: "truncated header") }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
    }

    /// How rows of a given depth become Pillow's mode: 32-bit layouts name the byte holding each channel.
    private enum RowFormat {
        case palette(bits: Int)       // P;1, P;4, P (and 1 / L for grey palettes)
        case bgr15, bgr16             // BGR;15, BGR;16
        case bgr                      // BGR
        case bytes32(red: Int, green: Int, blue: Int, alpha: Int?)
    }

    func decode() throws(Failure) -> Result {
        guard bytes.count >= 18, bytes[0] == 0x42, bytes[1] == 0x4D else { throw Failure(kind: .corrupt, reason: "missing BM signature") }
        var offset = try u32(10)
        let headerSize = try u32(14)
        let width: Int, height: Int, bits: Int, compression: Int, paletteEntrySize: Int
        var topDown = false
        var colors = 0
        var masks: (red: Int, green: Int, blue: Int, alpha: Int) = (0, 0, 0, 0)
        var position = 14 + headerSize  // where the palette (or the masks of a 40-byte header) follow
        switch headerSize {
        case 12:
            width = try u16(18)
            height = try u16(20)
            bits = try u16(24)
            compression = 0
            paletteEntrySize = 3
        case 40, 52, 56, 64, 108, 124:
            guard bytes.count >= 14 + headerSize else { throw Failure(kind: .corrupt, reason: "truncated \(headerSize)-byte header") }
            width = try u32(18)
            let storedHeight = try u32(22)
            topDown = bytes[25] == 0xFF  // a negative height (Pillow tests its top byte)
            height = topDown ? (1 << 32) - storedHeight : storedHeight
            bits = try u16(28)
            compression = try u32(30)
            colors = try u32(46)
            paletteEntrySize = 4
            if compression == 3 {
                if headerSize >= 52 {
                    masks = (try u32(54), try u32(58), try u32(62), headerSize >= 56 ? try u32(66) : 0)
                } else {
                    masks = (try u32(position), try u32(position + 4), try u32(position + 8), 0)
                    position += 12
                }
            }
        default:
            throw Failure(kind: .unsupported, reason: "\(headerSize)-byte header")
        }
        guard width > 0, height > 0 else { throw Failure(kind: .empty, reason: "\(width)x\(height)") }
        let pixels = UInt64(width) * UInt64(height)  // sides are below 2^32
        guard pixels <= UInt64(pixelLimit) else {
            throw Failure(kind: .tooLarge, reason: "\(width)x\(height) is \(pixels) pixels, above the limit of \(pixelLimit)")
        }
        if colors == 0 { colors = bits < 63 ? 1 << bits : Int.max }
        if offset == 14 + headerSize && bits <= 8 { offset += paletteEntrySize * colors }

        var format: RowFormat
        var layout: DecodedPixels.Layout
        switch bits {
        case 1, 4, 8: (format, layout) = (.palette(bits: bits), .indexed)
        case 16: (format, layout) = (.bgr15, .rgb)
        case 24: (format, layout) = (.bgr, .rgb)
        case 32: (format, layout) = (.bytes32(red: 2, green: 1, blue: 0, alpha: nil), .rgb)
        default: throw Failure(kind: .unsupported, reason: "\(bits) bits per pixel")
        }
        var rle = false
        switch compression {
        case 0:
            break
        case 1, 2:
            rle = true
        case 3:
            (format, layout) = try Self.bitFields(bits: bits, masks: masks)
        default:
            throw Failure(kind: .unsupported, reason: "compression \(compression)")
        }

        var palette: [UInt8] = []
        var unpackBits = bits
        if layout == .indexed {
            // Pillow refuses palettes above 256 colours (its grey-ramp test cannot represent index 256).
            guard colors > 0, colors <= 256 else { throw Failure(kind: .unsupported, reason: "palette of \(colors) colours") }
            let available = max(0, min(paletteEntrySize * colors, bytes.count - position))
            let stored = position < bytes.count ? Array(bytes[position..<(position + available)]) : []
            // Pillow reads a palette that is the grey ramp (black and white for two colours) as grey: 1 or L, whose
            // rows it unpacks at 1 or 8 bits whatever the file's depth.
            let ramp = colors == 2 ? [0, 255] : Array(0..<colors)
            let isGrey = ramp.indices.allSatisfy { i in
                let at = i * paletteEntrySize
                return at + 3 <= stored.count && stored[at] == UInt8(ramp[i]) && stored[at + 1] == UInt8(ramp[i]) && stored[at + 2] == UInt8(ramp[i])
            }
            palette = [UInt8](repeating: 0, count: 1024)
            for i in 0..<256 { palette[4 * i + 3] = 255 }
            if isGrey {
                unpackBits = colors <= 2 ? 1 : 8
                for i in 0..<256 {
                    let v = UInt8(colors <= 2 ? (i == 0 ? 0 : 255) : i)
                    (palette[4 * i], palette[4 * i + 1], palette[4 * i + 2]) = (v, v, v)
                }
            } else {
                for i in 0..<colors where (i + 1) * paletteEntrySize <= stored.count {
                    let at = i * paletteEntrySize  // stored as B, G, R (, reserved)
                    (palette[4 * i], palette[4 * i + 1], palette[4 * i + 2]) = (stored[at + 2], stored[at + 1], stored[at])
                }
            }
            if case .palette = format { format = .palette(bits: unpackBits) }
        }

        let samples: [UInt8]
        if rle {
            guard layout == .indexed else { throw Failure(kind: .unsupported, reason: "run-length compression of \(bits)-bit pixels") }
            samples = try runLengthDecoded(from: offset, width: width, height: height, fourBit: compression == 2, topDown: topDown)
        } else {
            samples = try rowsDecoded(from: offset, width: width, height: height, fileBits: bits, format: format, layout: layout,
                                      topDown: topDown)
        }
        return Result(width: width, height: height, layout: layout, samples: samples, palette: palette)
    }

    /// The bit-field layouts Pillow accepts (anything else it refuses).
    private static func bitFields(bits: Int, masks: (red: Int, green: Int, blue: Int, alpha: Int)) throws(Failure)
        -> (RowFormat, DecodedPixels.Layout)
    {
        let byteOf = { (mask: Int) in mask.trailingZeroBitCount / 8 }
        switch (bits, masks.red, masks.green, masks.blue) {
        case (32, _, _, _):
            let accepted: [(Int, Int, Int, Int)] = [
                (0xFF0000, 0xFF00, 0xFF, 0), (0xFF00_0000, 0xFF0000, 0xFF00, 0), (0xFF00_0000, 0xFF00, 0xFF, 0),
                (0xFF00_0000, 0xFF0000, 0xFF00, 0xFF), (0xFF, 0xFF00, 0xFF0000, 0xFF00_0000), (0xFF0000, 0xFF00, 0xFF, 0xFF00_0000),
                (0xFF00_0000, 0xFF00, 0xFF, 0xFF0000), (0, 0, 0, 0),
            ]
            guard accepted.contains(where: { $0 == (masks.red, masks.green, masks.blue, masks.alpha) }) else { break }
            if masks == (0, 0, 0, 0) { return (.bytes32(red: 2, green: 1, blue: 0, alpha: 3), .rgba) }  // Pillow: BGRA
            let alpha = masks.alpha == 0 ? nil : byteOf(masks.alpha)
            return (.bytes32(red: byteOf(masks.red), green: byteOf(masks.green), blue: byteOf(masks.blue), alpha: alpha),
                    alpha == nil ? .rgb : .rgba)
        case (24, 0xFF0000, 0xFF00, 0xFF):
            return (.bgr, .rgb)
        case (16, 0xF800, 0x7E0, 0x1F):
            return (.bgr16, .rgb)
        case (16, 0x7C00, 0x3E0, 0x1F):
            return (.bgr15, .rgb)
        default:
            break
        }
        throw Failure(kind: .unsupported, reason: "bit fields \(String(masks.red, radix: 16)), \(String(masks.green, radix: 16)), "
            + "\(String(masks.blue, radix: 16)), \(String(masks.alpha, radix: 16)) for \(bits) bits per pixel")
    }

    /// Uncompressed rows, each padded to four bytes, bottom-up unless the height was negative.
    private func rowsDecoded(from offset: Int, width: Int, height: Int, fileBits: Int, format: RowFormat,
                             layout: DecodedPixels.Layout, topDown: Bool) throws(Failure) -> [UInt8] {
        let stride = ((width * fileBits + 31) >> 3) & ~3
        let unpackBits = if case .palette(let bits) = format { bits } else { fileBits }
        let rowBytes = (width * unpackBits + 7) / 8
        guard rowBytes <= stride else { throw Failure(kind: .corrupt, reason: "rows of \(stride) bytes cannot hold \(width) pixels") }
        guard offset >= 0, offset <= bytes.count, (bytes.count - offset) / stride >= height - 1,
              bytes.count - offset - (height - 1) * stride >= rowBytes
        else { throw Failure(kind: .corrupt, reason: "pixel data truncated (\(max(0, bytes.count - offset)) bytes for \(height) rows of \(stride))") }
        let channels = layout.bytesPerPixel
        var samples = [UInt8](repeating: 0, count: width * height * channels)
        bytes.withUnsafeBufferPointer { file in
            samples.withUnsafeMutableBufferPointer { out in
                for row in 0..<height {
                    let source = offset + row * stride
                    let y = topDown ? row : height - 1 - row
                    let base = y * width * channels
                    switch format {
                    case .palette(8):
                        (out.baseAddress! + base).update(from: file.baseAddress! + source, count: width)
                    case .palette(let bits):
                        for x in 0..<width {
                            let bit = x * bits
                            let byte = file[source + bit / 8]
                            out[base + x] = (byte >> UInt8(8 - bits - bit % 8)) & UInt8((1 << bits) - 1)
                        }
                    case .bgr15, .bgr16:
                        let green6 = if case .bgr16 = format { true } else { false }
                        for x in 0..<width {
                            let pixel = Int(file[source + 2 * x]) | Int(file[source + 2 * x + 1]) << 8
                            let d = base + 3 * x
                            out[d + 2] = UInt8((pixel & 31) * 255 / 31)
                            if green6 {
                                out[d + 1] = UInt8(((pixel >> 5) & 63) * 255 / 63)
                                out[d] = UInt8(((pixel >> 11) & 31) * 255 / 31)
                            } else {
                                out[d + 1] = UInt8(((pixel >> 5) & 31) * 255 / 31)
                                out[d] = UInt8(((pixel >> 10) & 31) * 255 / 31)
                            }
                        }
                    case .bgr:
                        for x in 0..<width {
                            let s = source + 3 * x, d = base + 3 * x
                            (out[d], out[d + 1], out[d + 2]) = (file[s + 2], file[s + 1], file[s])
                        }
                    case .bytes32(let red, let green, let blue, let alpha):
                        for x in 0..<width {
                            let s = source + 4 * x, d = base + channels * x
                            (out[d], out[d + 1], out[d + 2]) = (file[s + red], file[s + green], file[s + blue])
                            if let alpha { out[d + 3] = file[s + alpha] }
                        }
                    }
                }
            }
        }
        return samples
    }

    /// RLE8 and RLE4, as Pillow's decoder reads them: runs clipped to the row, end-of-line padding with index 0,
    /// deltas filled with index 0, absolute runs word-aligned (in file positions); fewer pixels than the image holds
    /// is an error.
    private func runLengthDecoded(from offset: Int, width: Int, height: Int, fourBit: Bool, topDown: Bool) throws(Failure) -> [UInt8] {
        let total = width * height
        var data: [UInt8] = []
        data.reserveCapacity(total)
        var x = 0
        var at = max(0, offset)
        func next() -> UInt8? {
            guard at < bytes.count else { return nil }
            defer { at += 1 }
            return bytes[at]
        }
        decoding: while data.count < total {
            guard let count = next(), let value = next() else { break }
            if count != 0 {
                let run = x + Int(count) > width ? max(0, width - x) : Int(count)
                for i in 0..<run { data.append(fourBit ? (i % 2 == 0 ? value >> 4 : value & 0x0F) : value) }
                x += run
                continue
            }
            switch value {
            case 0:  // end of line
                while data.count % width != 0 { data.append(0) }
                x = 0
            case 1:  // end of bitmap
                break decoding
            case 2:  // delta: right, up
                guard let right = next(), let up = next() else { break decoding }
                let skipped = min(total - data.count, Int(right) + Int(up) * width)
                data.append(contentsOf: repeatElement(0, count: skipped))
                x = data.count % width
            default:  // an absolute run of `value` pixels
                let wanted = min(total - data.count, Int(value))
                let byteCount = fourBit ? (wanted + 1) / 2 : wanted
                let available = min(byteCount, bytes.count - at)
                let run = bytes[at..<(at + available)]
                at += available
                if fourBit {
                    for (i, byte) in run.enumerated() {
                        data.append(byte >> 4)
                        if i * 2 + 1 < wanted { data.append(byte & 0x0F) }
                    }
                } else {
                    data.append(contentsOf: run)
                }
                if available < byteCount || data.count == total { break decoding }
                x += Int(value)
                if at % 2 != 0 { at += 1 }
            }
        }
        guard data.count >= total else {
            throw Failure(kind: .corrupt, reason: "run-length data ends after \(data.count) of \(total) pixels")
        }
        var samples = [UInt8](repeating: 0, count: total)
        for row in 0..<height {
            let y = topDown ? row : height - 1 - row
            samples.replaceSubrange((y * width)..<((y + 1) * width), with: data[(row * width)..<((row + 1) * width)])
        }
        return samples
    }
}
