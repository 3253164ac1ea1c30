import Foundation
import Testing
import VLCore
import VLImage
import VLTestSupport

/// Every kind of file issue 18 lists (CMYK/YCCK/grey/arithmetic JPEG; 16-bit, palette, low-bit, interlaced PNG;
/// WebP; GIF; BMP; TIFF) against Pillow 13 + transformers 5.23 (`Tools/reference/make_image_format_fixtures.py`):
/// the decoded image bit for bit, with alpha dropped and composited on white, and after CLIP's resize and crop.
@Suite struct ImageFormatTests {
    static let expected = try! Fixtures.open("images/formats/expected")
    static let folder = Fixtures.path("images/formats")
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { !$0.hasSuffix(".safetensors") && !$0.hasPrefix(".") && $0 != "bad" }
        .sorted()
    static let transparentFiles = files.filter { expected.shape(of: "\($0).white") != nil }
    static let grey16Files = files.filter { expected.shape(of: "\($0).scale") != nil }

    static func bytes(_ image: RGBImage) -> [Float] { image.pixels.map(Float.init) }

    static func expect(_ image: RGBImage, equals key: String, _ comment: String) throws {
        let reference = try expected[key]
        #expect([image.height, image.width, 3] == reference.shape, "\(comment): shape")
        let actual = bytes(image)
        guard actual.count == reference.scalars.count else { return }
        let differing = zip(actual, reference.scalars).filter { $0 != $1 }.count
        let worst = zip(actual, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(differing == 0, "\(comment): \(differing) of \(actual.count) samples differ, by up to \(worst)")
    }

    @Test("The fixtures cover every format and the kinds the issue lists")
    func coverage() {
        #expect(Self.files.count >= 70)
        for prefix in ["jpeg_", "png_", "webp_", "gif_", "bmp_", "tiff_"] {
            #expect(Self.files.filter { $0.hasPrefix(prefix) }.count >= 6, "\(prefix)")
        }
        for kind in ["jpeg_cmyk.jpg", "jpeg_ycck.jpg", "jpeg_arithmetic.jpg", "png_grey16.png", "png_palette_trns_index.png",
                     "webp_animated.webp", "gif_transparent.gif", "bmp_rle8.bmp", "tiff_rgb_lzw.tif"] {
            #expect(Self.files.contains(kind), "\(kind)")
        }
        #expect(Self.transparentFiles.count >= 15 && Self.grey16Files.count >= 5)
    }

    @Test("Decodes as Pillow's open + exif_transpose + convert(\"RGB\")", arguments: files)
    func decode(name: String) throws {
        let image = try RGBImage(contentsOf: "\(Self.folder)/\(name)")
        try Self.expect(image, equals: "\(name).drop", name)
    }

    @Test("Composites on white as transformers' convert_to_rgb", arguments: transparentFiles)
    func compositeOnWhite(name: String) throws {
        let image = try RGBImage(contentsOf: "\(Self.folder)/\(name)", alpha: .compositeOnWhite)
        try Self.expect(image, equals: "\(name).white", name)
        #expect(image != (try RGBImage(contentsOf: "\(Self.folder)/\(name)")), "\(name): white changes nothing")
    }

    @Test("CLIP's resize and crop match CLIPImageProcessorPil byte for byte", arguments: files)
    func processed(name: String) throws {
        let processor = ImageProcessor(.clip, size: 16)
        try Self.expect(try processor.resizedAndCropped(try RGBImage(contentsOf: "\(Self.folder)/\(name)")), equals: "\(name).clip.drop",
                        "\(name) drop")
        if Self.expected.shape(of: "\(name).clip.white") != nil {
            let white = try RGBImage(contentsOf: "\(Self.folder)/\(name)", alpha: .compositeOnWhite)
            try Self.expect(try processor.resizedAndCropped(white), equals: "\(name).clip.white", "\(name) white")
        }
    }

    @Test("16-bit grey: clipped by default (Pillow), the high byte with .scale", arguments: grey16Files)
    func grey16(name: String) throws {
        let path = "\(Self.folder)/\(name)"
        let clipped = try RGBImage(contentsOf: path)
        let scaled = try RGBImage(contentsOf: path, grey16: .scale)
        try Self.expect(clipped, equals: "\(name).drop", name)
        let highBytes = try Self.expected["\(name).scale"].scalars
        #expect(stride(from: 0, to: scaled.pixels.count, by: 3).map { Float(scaled.pixels[$0]) } == highBytes, "\(name)")
        #expect(scaled.pixels.contains { $0 > 0 && $0 < 200 } && clipped.pixels.filter { $0 == 255 }.count > clipped.pixels.count / 3,
                "\(name): the fixture mixes values above and below 256")
    }

    @Test("The format comes from the bytes, not the name")
    func formatFromBytes() throws {
        let cases: [(String, ImageFormat)] = [
            ("jpeg_cmyk.jpg", .jpeg), ("png_la.png", .png), ("webp_lossy.webp", .webp), ("gif_grey.gif", .gif), ("bmp_24.bmp", .bmp),
            ("tiff_rgb.tif", .tiff), ("tiff_grey16_big_endian.tif", .tiff),
        ]
        let renamed = NSTemporaryDirectory() + "vlblocks-format-\(getpid())"
        try FileManager.default.createDirectory(atPath: renamed, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: renamed) }
        for (name, format) in cases {
            let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.folder)/\(name)")))
            #expect(ImageFormat(sniffing: data) == format, "\(name)")
            let misnamed = "\(renamed)/\(name).png"
            try Data(data).write(to: URL(fileURLWithPath: misnamed))
            #expect(try RGBImage(contentsOf: misnamed) == RGBImage(contentsOf: "\(Self.folder)/\(name)"), "\(name)")
        }
        #expect(ImageFormat(sniffing: Array("GIF90a".utf8)) == nil)
        #expect(ImageFormat(sniffing: Array("RIFF\0\0\0\0WAVE".utf8)) == nil)
        #expect(ImageFormat(sniffing: [UInt8]()) == nil)
    }

    @Test("Broken and oversized files give typed errors naming the file", arguments: [
        ("truncated_cmyk.jpg", "corrupt or truncated"), ("truncated_grey16.png", "corrupt or truncated"),
        ("truncated.webp", "corrupt or truncated"), ("truncated_lossless.webp", "corrupt or truncated"),
        ("bad_header.webp", "corrupt or truncated"), ("huge.webp", "above the limit"),
        ("truncated.gif", "corrupt or truncated"), ("huge.gif", "above the limit"),
        ("truncated.bmp", "truncated"), ("truncated_rle8.bmp", "run-length data ends"), ("huge.bmp", "above the limit"),
        ("bad_depth.bmp", "7 bits per pixel"), ("bad_header_size.bmp", "99-byte header"),
        ("truncated.tif", "corrupt or truncated"), ("truncated_tiles.tif", "corrupt or truncated"), ("huge.tif", "above the limit"),
        ("bad_ifd_offset.tif", "corrupt or truncated"), ("float.tif", "sample format 3"),
    ])
    func badFiles(name: String, message: String) {
        let path = "\(Self.folder)/bad/\(name)"
        do {
            _ = try RGBImage(contentsOf: path)
            Issue.record("decoded \(name)")
        } catch {
            #expect(error.description.hasPrefix(path + ":") && error.description.contains(message), "\(name): \(error)")
        }
    }

    @Test("The pixel limit is checked before decoding, in every format", arguments: [
        "jpeg_ycck.jpg", "png_grey16.png", "webp_animated.webp", "gif_offset_frame.gif", "bmp_rle4.bmp", "tiff_rgb_tiled_deflate.tif",
    ])
    func pixelLimit(name: String) throws {
        let path = "\(Self.folder)/\(name)"
        let image = try RGBImage(contentsOf: path)
        let error = #expect(throws: ImageError.self) { try RGBImage(contentsOf: path, pixelLimit: image.width * image.height - 1) }
        if case .tooLarge(let file, _)? = error { #expect(file == path) } else { Issue.record("\(name): \(String(describing: error))") }
        #expect(try RGBImage(contentsOf: path, pixelLimit: image.width * image.height) == image)
    }
}
