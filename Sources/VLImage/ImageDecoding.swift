internal import CVLBlocksImageCodecs

/// Decoding by format: the C decoders over the system libraries (PNG, JPEG, WebP, GIF, TIFF) and the Swift BMP
/// decoder, each giving ``DecodedPixels`` to `body` (whose samples live only during the call).
enum ImageDecoding {
    static func withDecodedPixels<Result>(
        _ data: [UInt8], format: ImageFormat, source: String, pixelLimit: Int,
        _ body: (DecodedPixels) -> Result
    ) throws(ImageError) -> Result {
        let limit = UInt(max(pixelLimit, 0))
        if format == .bmp {
            let bitmap: BMPDecoder.Result
            do {
                bitmap = try BMPDecoder(bytes: data, pixelLimit: max(pixelLimit, 0)).decode()
            } catch {
                let reason = "BMP: \(error.reason)"
                switch error.kind {
                case .corrupt: throw .corrupt(file: source, reason: reason)
                case .unsupported: throw .unsupported(file: source, reason: reason)
                case .tooLarge: throw .tooLarge(file: source, reason: reason)
                case .empty: throw .empty(file: source)
                }
            }
            return bitmap.samples.withUnsafeBufferPointer { samples in
                body(DecodedPixels(width: bitmap.width, height: bitmap.height, layout: bitmap.layout, samples: samples,
                                   ownedSamples: bitmap.samples, palette: bitmap.palette))
            }
        }
        var decoded = vlb_decoded_image()
        let status = data.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: vlb_png_decode(buffer.baseAddress, buffer.count, limit, &decoded)
            case .jpeg: vlb_jpeg_decode(buffer.baseAddress, buffer.count, limit, &decoded)
            case .webp: vlb_webp_decode(buffer.baseAddress, buffer.count, limit, &decoded)
            case .gif: vlb_gif_decode(buffer.baseAddress, buffer.count, limit, &decoded)
            case .tiff: vlb_tiff_decode(buffer.baseAddress, buffer.count, limit, &decoded)
            case .bmp: Int32(VLB_IMAGE_UNSUPPORTED.rawValue)  // decoded in Swift above
            }
        }
        defer { vlb_image_release(&decoded) }
        let message = withUnsafeBytes(of: decoded.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        switch vlb_image_status(rawValue: UInt32(status)) {
        case VLB_IMAGE_OK: break
        case VLB_IMAGE_TOO_LARGE: throw .tooLarge(file: source, reason: message)
        case VLB_IMAGE_EMPTY: throw .empty(file: source)
        case VLB_IMAGE_UNSUPPORTED: throw .unsupported(file: source, reason: message)
        case VLB_IMAGE_NO_MEMORY: throw .unreadable(file: source, reason: message.isEmpty ? "out of memory" : message)
        default: throw .corrupt(file: source, reason: message)
        }
        guard let layout = DecodedPixels.Layout(code: decoded.layout), let pixels = decoded.pixels else {
            throw .corrupt(file: source, reason: "\(format.name): decoder returned no pixels")
        }
        let (width, height) = (Int(decoded.width), Int(decoded.height))
        var pixelsOut = DecodedPixels(
            width: width, height: height, layout: layout,
            samples: UnsafeBufferPointer(start: pixels, count: width * height * layout.bytesPerPixel))
        if layout == .indexed {
            pixelsOut.palette = withUnsafeBytes(of: decoded.palette) { Array($0) }
        }
        switch vlb_transparency_key(rawValue: UInt32(decoded.key_kind)) {
        case VLB_KEY_GREY: pixelsOut.key = .grey(decoded.transparent_key.0)
        case VLB_KEY_RGB: pixelsOut.key = .rgb(decoded.transparent_key.0, decoded.transparent_key.1, decoded.transparent_key.2)
        default: break
        }
        if let exif = decoded.exif { pixelsOut.exif = Array(UnsafeBufferPointer(start: exif, count: decoded.exif_size)) }
        if let xmp = decoded.xmp { pixelsOut.xmp = Array(UnsafeBufferPointer(start: xmp, count: decoded.xmp_size)) }
        if decoded.orientation > 0 { pixelsOut.tiffOrientation = Int(decoded.orientation) }
        return body(pixelsOut)
    }
}

extension DecodedPixels.Layout {
    /// The layout of a C decoder's `vlb_pixel_layout`.
    init?(code: Int32) {
        switch vlb_pixel_layout(rawValue: UInt32(code)) {
        case VLB_LAYOUT_GREY: self = .grey
        case VLB_LAYOUT_GREY_ALPHA: self = .greyAlpha
        case VLB_LAYOUT_RGB: self = .rgb
        case VLB_LAYOUT_RGBA: self = .rgba
        case VLB_LAYOUT_CMYK: self = .cmyk
        case VLB_LAYOUT_GREY16: self = .grey16
        case VLB_LAYOUT_INDEXED: self = .indexed
        default: return nil
        }
    }
}
