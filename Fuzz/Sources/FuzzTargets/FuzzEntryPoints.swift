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
        guard let json = try? JSONValue.parse(bytes) else { return }
        _ = try? VisionTransformerConfiguration(huggingFaceConfig: json)
        _ = try? ConnectorConfiguration(json: json)
        _ = try? MixtureConfiguration(json: json)
        _ = try? ImageProcessor(preprocessorConfig: json)
    }

    /// `model.safetensors.index.json`, with every shard name resolving to one small valid file.
    public static func shardedIndex(_ bytes: [UInt8]) {
        _ = try? ShardedCheckpoint(indexBytes: bytes, label: "fuzz") { (_: String) throws(SafeTensorsError) -> SafeTensorsFile in
            try SafeTensorsFile(bytes: shard)
        }
    }

    /// PNG and JPEG decoding (libpng, libjpeg-turbo, EXIF orientation), with a small pixel limit so that
    /// a header claiming a large image is refused instead of decoded. The input's length picks the alpha
    /// handling, so both paths are exercised at one decode per input.
    public static func images(_ bytes: [UInt8]) {
        let alpha: RGBImage.AlphaHandling = bytes.count % 2 == 0 ? .drop : .compositeOnWhite
        _ = try? RGBImage(encoded: bytes, alpha: alpha, pixelLimit: 1 << 22)
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
