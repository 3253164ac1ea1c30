import ArgumentParser
import Foundation
import VLBlocks

/// `vlblocks bench decode FILE ... [--runs R] [--alpha drop|white] [--grey16 clip|scale] [--save-png DIR] [--json]`.
struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Time decoding images to RGB, from bytes in memory, one file at a time.",
        discussion: """
            Each file is read once; a timed run decodes its bytes as RGBImage(encoded:) does (Pillow's open, exif_transpose
            and convert("RGB")), on one thread. --save-png DIR also writes each decoded image to DIR/<file name>.png
            (lossless), for comparing the pixels with another decoder. Tools/performance/decode_benchmark.py times Pillow
            on the same files in the same run.
            """
    )

    @Argument(help: "Image files.") var files: [String]
    @Option(help: "Timed runs per file, after one warm-up decode.") var runs = 5
    @Option(help: "drop or white (as preprocess).") var alpha: RGBImage.AlphaHandling = .drop
    @Option(help: "clip or scale (as preprocess).") var grey16: RGBImage.Grey16Handling = .clip
    @Option(help: "A folder to write each decoded image to, as PNG.") var savePng: String?
    @Flag(help: "Print one JSON line per file instead of a sentence.") var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one image file") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 10000") }
    }

    func run() throws {
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw ImageError.unreadable(file: file, reason: "no such file") }
            let bytes = [UInt8](data)
            var image = try RGBImage(encoded: bytes, source: file, alpha: alpha, grey16: grey16)
            let timing = try Timing.measure(runs: runs, warmup: 0) {
                image = try RGBImage(encoded: bytes, source: file, alpha: alpha, grey16: grey16)
            }
            if let savePng {
                let name = (file as NSString).lastPathComponent + ".png"
                try Data(image.pngData()).write(to: URL(fileURLWithPath: (savePng as NSString).appendingPathComponent(name)))
            }
            let format = ImageFormat(sniffing: bytes)?.name ?? "?"
            let megapixelsPerSecond = Double(image.width * image.height) / timing.median / 1000
            if json {
                print(Format.jsonLine([
                    ("file", Format.jsonString(file)), ("format", Format.jsonString(format)), ("width", String(image.width)),
                    ("height", String(image.height)), ("bytes", String(bytes.count)), ("runs", String(runs)),
                    ("min_ms", Format.fixed(timing.minimum, 3)), ("median_ms", Format.fixed(timing.median, 3)),
                    ("megapixels_per_s", Format.fixed(megapixelsPerSecond, 1)),
                ]))
            } else {
                print("\(file): \(format) \(image.width) x \(image.height): min \(Format.fixed(timing.minimum, 3)) ms, "
                      + "median \(Format.fixed(timing.median, 3)) ms, \(Format.fixed(megapixelsPerSecond, 1)) Mpixel/s")
            }
        }
    }
}
