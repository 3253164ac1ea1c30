import Foundation
import VLBlocks

/// What each fuzz target feeds the bytes to. Errors are the expected outcome for most inputs; a crash,
/// a trap, a leak or an out-of-bounds access is a bug.
public enum FuzzEntryPoints {
    /// The safetensors reader: header validation, then reading every tensor it accepted.
    public static func safeTensors(_ bytes: [UInt8]) {
        guard let file = try? SafeTensorsFile(bytes: bytes) else { return }
        for entry in file.entries where entry.dtype.convertsToFloat32 {
            _ = try? file.readTensor(named: entry.name)
        }
        _ = file.metadata
    }

    /// `config.json` of vision towers, connector and mixture configs, and preprocessor configs.
    public static func configs(_ bytes: [UInt8]) {
        let data = Data(bytes)
        _ = try? VisionTransformerConfiguration(huggingFaceConfig: data)
        _ = try? ProjectorConfiguration(json: data)
        if let processor = try? ImageProcessor(preprocessorConfig: data) {
            // Apply what was parsed to a thin image, when its output stays small enough to keep iterations fast:
            // bad sizes must be refused with an error, not a trap.
            var side = 0
            switch processor.resize {
            case .shortestEdge(let edge)?: side = edge * 3
            case .exact(let height, let width)?: side = max(height, width)
            case nil: break
            }
            if let crop = processor.crop { side = max(side, crop.height, crop.width) }
            if side <= 512 { _ = try? processor.pixelValues(thinImage) }
        }
    }

    /// 3 x 1 pixels: a shortest-edge resize triples the long side.
    static let thinImage = try! RGBImage(width: 3, height: 1, pixels: [0, 64, 128, 192, 255, 1, 2, 3, 4])

    /// `model.safetensors.index.json`: the seed checkpoint's shard names open its real shards (so mutated maps get
    /// past the name checks), any other name one small valid file.
    public static func shardedIndex(_ bytes: [UInt8]) {
        _ = try? ShardedCheckpoint(indexBytes: bytes, label: "fuzz") { (name: String) throws(SafeTensorsError) -> SafeTensorsFile in
            if let seed = seedShards[name] { return seed }
            return try SafeTensorsFile(bytes: shard)
        }
    }

    /// The shards of `Tests/Fixtures/encoders/dinov2_registers_sharded`, read from `VLBLOCKS_FUZZ_SHARDS` (a folder;
    /// `Fuzz/run.sh` sets it).
    static let seedShards: [String: SafeTensorsFile] = {
        guard let folder = getenv("VLBLOCKS_FUZZ_SHARDS").map({ String(cString: $0) }) else { return [:] }
        var shards: [String: SafeTensorsFile] = [:]
        for name in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            shards[name] = try? SafeTensorsFile(path: folder + "/" + name)
        }
        return shards
    }()

    /// PNG and JPEG decoding (libpng, libjpeg-turbo; EXIF and XMP orientation), with a pixel limit of 2^16 (256 x 256)
    /// so that a header claiming a large image is refused instead of decoded: the seed images are smaller, and at 2^22
    /// pixels a mutated header made each input a multi-megapixel decode (158 inputs/s instead of thousands). The
    /// input's length picks the alpha and 16-bit grey handling, so every path runs at one decode per input.
    public static func images(_ bytes: [UInt8]) {
        decode(bytes)
    }

    /// WebP through libwebp's animation decoder: the input is made to start `RIFF....WEBP`, so mutations reach the chunks.
    public static func webp(_ bytes: [UInt8]) {
        decode(withSignature(bytes, Array("RIFF".utf8), at: 0, and: Array("WEBP".utf8), at: 8))
    }

    /// GIF through giflib: the input is made to start `GIF89a` (or keeps `GIF87a`).
    public static func gif(_ bytes: [UInt8]) {
        if bytes.starts(with: Array("GIF87a".utf8)) { return decode(bytes) }
        decode(withSignature(bytes, Array("GIF89a".utf8), at: 0))
    }

    /// BMP through VLBlocks' own decoder: the input is made to start `BM`.
    public static func bmp(_ bytes: [UInt8]) {
        decode(withSignature(bytes, Array("BM".utf8), at: 0))
    }

    /// TIFF through libtiff: inputs that start with neither byte order are given a little-endian header.
    public static func tiff(_ bytes: [UInt8]) {
        if bytes.starts(with: [0x4D, 0x4D, 0, 0x2A]) || bytes.starts(with: [0x49, 0x49, 0x2A, 0]) { return decode(bytes) }
        decode(withSignature(bytes, [0x49, 0x49, 0x2A, 0], at: 0))
    }

    static func decode(_ bytes: [UInt8]) {
        let alpha: RGBImage.AlphaHandling = bytes.count % 2 == 0 ? .drop : .compositeOnWhite
        let grey16: RGBImage.Grey16Handling = bytes.count % 4 < 2 ? .clip : .scale
        guard let image = try? RGBImage(encoded: bytes, alpha: alpha, grey16: grey16, pixelLimit: 1 << 16) else { return }
        _ = image.transparentColorOnWhite()
    }

    /// `bytes` with `signature` written at `offset` (and `second` at `secondOffset`), grown to hold them.
    static func withSignature(_ bytes: [UInt8], _ signature: [UInt8], at offset: Int, and second: [UInt8] = [], at secondOffset: Int = 0)
        -> [UInt8]
    {
        var out = bytes
        for (part, start) in [(signature, offset), (second, secondOffset)] where !part.isEmpty {
            if out.count < start + part.count { out += [UInt8](repeating: 0, count: start + part.count - out.count) }
            out.replaceSubrange(start..<(start + part.count), with: part)
        }
        return out
    }

    static let shard = SafeTensorsWriter.serialize(["a": Tensor(shape: [2, 2], repeating: 1), "b": Tensor(shape: [3])])
}

/// libFuzzer's driver (linked in by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// Hands a fuzz target's process to libFuzzer. SwiftPM links an executable's entry point as `<target>_main`,
/// which replaces libFuzzer's own `main`, so each target's entry point calls this.
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector, testOneInput)
}
