import Testing
import VLCore
import VLImage
import VLTestSupport
import VLTesting

/// Decoding and preprocessing against Pillow 13 and transformers 5.23's PIL image processors
/// (fixtures from `Tools/reference/make_image_fixtures.py`, real photographs included).
@Suite struct ImageFixtureTests {
    static let expected = try! Fixtures.open("images/expected")
    static let images = ["chelsea.png", "coffee.jpg", "rocket.jpg", "astronaut_grey.png", "chelsea_alpha.png", "coffee_palette.png",
                         "coffee_exif_rotate.jpg", "coffee_progressive.jpg"]

    static func stem(_ name: String) -> String { String(name.split(separator: ".").first!) }

    static func bytes(_ image: RGBImage) -> [Float] { image.pixels.map(Float.init) }

    @Test("Decodes like Pillow (libpng, libjpeg-turbo, EXIF orientation, grey, palette, alpha dropped)", arguments: images)
    func decode(name: String) throws {
        let image = try RGBImage(contentsOf: Fixtures.path("images/\(name)"))
        let stem = Self.stem(name)
        if Self.expected.shape(of: "\(stem).decoded.u8") != nil {
            let reference = try Self.expected["\(stem).decoded.u8"]
            #expect([image.height, image.width, 3] == reference.shape)
            #expect(Self.bytes(image) == reference.scalars)
        } else {
            let rowSums = try Self.expected["\(stem).decoded.rowsums"]
            #expect(rowSums.shape == [image.height, 3])
            var sums = [Float](repeating: 0, count: image.height * 3)
            for y in 0..<image.height { for x in 0..<image.width { for c in 0..<3 { sums[y * 3 + c] += Float(image.pixels[(y * image.width + x) * 3 + c]) } } }
            #expect(sums == rowSums.scalars)
        }
    }

    @Test("Resize and crop match the processors byte for byte", arguments: images)
    func preprocess(name: String) throws {
        // transformers composites transparent pixels on white before resizing.
        let alpha: RGBImage.AlphaHandling = name == "chelsea_alpha.png" ? .compositeOnWhite : .drop
        let image = try RGBImage(contentsOf: Fixtures.path("images/\(name)"), alpha: alpha)
        for family in ImageProcessor.Family.allCases {
            let processed = try ImageProcessor(family, size: 64).resizedAndCropped(image)
            let reference = try Self.expected["\(Self.stem(name)).\(family.rawValue).u8"]
            #expect([processed.height, processed.width, 3] == reference.shape)
            let levels = zip(Self.bytes(processed), reference.scalars).map { abs($0 - $1) }
            let worst = levels.max() ?? 0, mean = levels.reduce(0, +) / Float(max(levels.count, 1))
            #expect(worst <= 2 && mean / 255 <= 2e-3, "\(name) \(family): worst \(worst) levels, mean \(mean) levels")
            #expect(worst == 0, "\(name) \(family): expected a bit-exact match, worst \(worst) levels")
        }
    }

    @Test("pixel_values match CLIPImageProcessorPil at 224")
    func pixelValues() throws {
        let image = try RGBImage(contentsOf: Fixtures.path("images/chelsea.png"))
        let values = try ImageProcessor(.clip, size: 224).pixelValues(image)
        let reference = try Self.expected["chelsea.clip224.pixel_values"]
        #expect(values.shape == [1, 3, 224, 224])
        expectClose(values, reference, rtol: 1e-3, atol: 1e-3)  // fp16-stored reference
    }

    @Test("Alpha composited on white matches transformers' convert_to_rgb")
    func alphaOnWhite() throws {
        let image = try RGBImage(contentsOf: Fixtures.path("images/chelsea_alpha.png"), alpha: .compositeOnWhite)
        let processed = try ImageProcessor(.clip, size: 64).resizedAndCropped(image)
        #expect(Self.bytes(processed) == (try Self.expected["chelsea_alpha.clip.white.u8"]).scalars)
    }

    @Test("Bad files give typed errors", arguments: [
        ("truncated.jpg", "corrupt or truncated"), ("truncated.png", "corrupt or truncated"), ("not_an_image.jpg", "corrupt or truncated image: GIF"),
        ("empty.png", "not a PNG, JPEG, WebP, GIF, BMP or TIFF image"), ("huge_dimensions.png", "above the limit"), ("zero_width.png", "zero"),
        ("missing.png", "no such file"),
    ])
    func badFiles(name: String, message: String) {
        do {
            _ = try RGBImage(contentsOf: Fixtures.path("images/bad/\(name)"))
            Issue.record("decoded \(name)")
        } catch {
            #expect(error.description.contains(message), "\(name): \(error)")
        }
    }

    @Test func pixelLimitIsConfigurable() {
        #expect(throws: ImageError.self) { try RGBImage(contentsOf: Fixtures.path("images/chelsea.png"), pixelLimit: 1000) }
    }

    @Test func exifParsing() {
        // Big-endian TIFF header, one IFD entry: orientation (0x0112), SHORT, count 1, value 8.
        let exif: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]
        #expect(ExifOrientation(exif: exif) == .left)
        #expect(ExifOrientation(exif: Array(exif.prefix(12))) == .up)
        #expect(ExifOrientation(exif: []) == .up)
        // Little-endian, the value as BYTE and LONG, behind one or two "Exif\0\0" prefixes (as Pillow strips them).
        let byte: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 1, 0, 1, 0, 0, 0, 6, 0, 0, 0]
        #expect(ExifOrientation(exif: byte) == .right)
        #expect(ExifOrientation(exif: Array("Exif\0\0Exif\0\0".utf8) + byte) == .right)
        var long = byte
        long[12] = 4
        long[18] = 3
        #expect(ExifOrientation(exif: long) == .down)
        // An entry whose value field is cut off (found by FuzzWebP: it read past the block) reads as no orientation.
        #expect(ExifOrientation(exif: Array(byte.prefix(18))) == .up)
        #expect(ExifOrientation(exif: Array(byte.prefix(19))) == .right)
    }
}
