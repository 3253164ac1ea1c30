import Foundation
import Testing
import VLBlocks
import VLTestSupport
import VLTesting

/// `vlblocks preprocess` and `encode --image` on the formats of issue 18, against transformers' CLIPImageProcessorPil
/// after Pillow 13's open + exif_transpose + convert("RGB") (`Tools/reference/make_image_format_fixtures.py`).
@Suite struct PreprocessCommandTests {
    static let expected = try! Fixtures.open("images/formats/expected")

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)-\(name)").path
    }

    @Test("preprocess gives the pipeline's pixel_values for CMYK JPEG, 16-bit PNG, WebP, GIF, RLE BMP and 16-bit TIFF", arguments: [
        "jpeg_cmyk.jpg", "png_grey16.png", "webp_lossy_alpha.webp", "gif_transparent.gif", "bmp_rle8.bmp", "tiff_rgb16.tif",
    ])
    func preprocess(name: String) throws {
        let output = Self.temporary("pixels.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run(["preprocess", "--image", Fixtures.path("images/formats/\(name)"), "--processor", "clip",
                                        "--size", "16", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let values = try SafeTensorsFile(path: output)["pixel_values"]
        let reference = try Self.expected["\(name).clip.pixel_values"]
        #expect(values.shape == [1, 3, 16, 16])
        // Identical 8-bit images; the normalisation is the same float32 arithmetic as transformers'.
        expectClose(values, reference, rtol: 1e-6, atol: 1e-6)
    }

    @Test("--grey16 scale and --alpha white reach the decoder in preprocess and encode --image")
    func options() throws {
        let output = Self.temporary("pixels.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        func preprocessed(_ name: String, _ options: [String]) throws -> Tensor {
            let result = try CLIRunner.run(["preprocess", "--image", Fixtures.path("images/formats/\(name)"), "--processor", "siglip",
                                            "--size", "16", "--output", output] + options)
            #expect(result.status == 0, "\(result.stderr)")
            return try SafeTensorsFile(path: output)["pixel_values"]
        }
        let grey16 = Fixtures.path("images/formats/png_grey16.png")
        let scaled = try ImageProcessor(.siglip, size: 16).pixelValues(try RGBImage(contentsOf: grey16, grey16: .scale))
        #expect(try preprocessed("png_grey16.png", ["--grey16", "scale"]).scalars == scaled.scalars)
        #expect(try preprocessed("png_grey16.png", []).scalars != scaled.scalars)
        let webp = Fixtures.path("images/formats/webp_lossless_alpha.webp")
        let white = try ImageProcessor(.siglip, size: 16).pixelValues(try RGBImage(contentsOf: webp, alpha: .compositeOnWhite))
        #expect(try preprocessed("webp_lossless_alpha.webp", ["--alpha", "white"]).scalars == white.scalars)
        let bad = try CLIRunner.run(["preprocess", "--image", grey16, "--processor", "clip", "--size", "16", "--output", output,
                                     "--grey16", "round"])
        #expect(bad.status == 64 && bad.stderr.contains("--grey16"))

        let checkpoint = Fixtures.path("encoders/clip_vision")
        let encoded = try CLIRunner.run(["encode", "--checkpoint", checkpoint, "--image", grey16, "--grey16", "scale", "--output", output])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let processor = try ImageProcessor.forCheckpoint(directory: checkpoint, family: .clip, nativeSize: 48)
        let expected = try processor.pixelValues(try RGBImage(contentsOf: grey16, grey16: .scale))
        #expect(try SafeTensorsFile(path: output)["pixel_values"].scalars == expected.scalars)
    }

    @Test("Broken files in the new formats: exit 1, the file and the problem named, no signal", arguments: [
        ("truncated.webp", "corrupt or truncated image: WebP"), ("truncated.gif", "corrupt or truncated image: GIF"),
        ("truncated.bmp", "BMP: pixel data truncated"), ("truncated_tiles.tif", "corrupt or truncated image: TIFF"),
        ("huge.tif", "image too large"),
    ])
    func brokenFiles(name: String, message: String) throws {
        let output = Self.temporary("pixels.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let path = Fixtures.path("images/formats/bad/\(name)")
        let result = try CLIRunner.run(["preprocess", "--image", path, "--processor", "clip", "--size", "16", "--output", output])
        #expect(result.status == 1 && !result.terminatedBySignal, "\(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("bench decode times each file and saves what it decoded as PNG")
    func benchDecode() throws {
        let folder = Self.temporary("decoded")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = ["tiff_cmyk.tif", "gif_offset_frame.gif"].map { Fixtures.path("images/formats/\($0)") }
        let result = try CLIRunner.run(["bench", "decode"] + files + ["--runs", "2", "--json", "--save-png", folder])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains(#""format": "TIFF""#) && lines[1].contains(#""format": "GIF""#))
        for file in files {
            let saved = try RGBImage(contentsOf: folder + "/" + (file as NSString).lastPathComponent + ".png")
            #expect(saved == (try RGBImage(contentsOf: file)), "\(file)")
        }
        let missing = try CLIRunner.run(["bench", "decode", folder + "/missing.gif"])
        #expect(missing.status == 1 && missing.stderr.contains("missing.gif"))
    }
}
