import Foundation
import Testing
import VLBlocks
import VLTestSupport

/// A short seeded mutation loop over every parser (the libFuzzer harnesses in `Fuzz/` run the same calls for
/// millions of iterations). Inputs are the fixtures, mutated by bit flips, byte overwrites with boundary
/// values, insertions, deletions, truncations and splices. Any crash fails the whole test run.
@Suite struct FuzzSmokeTests {
    static let iterations = 1500

    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

        mutating func mutate(_ input: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
            var bytes = input
            for _ in 0...below(4) {
                switch below(7) {
                case 0 where !bytes.isEmpty: bytes[below(bytes.count)] ^= UInt8(1 << below(8))
                case 1 where !bytes.isEmpty:
                    bytes[below(bytes.count)] = [0, 1, 0x7F, 0x80, 0xFF, 0x30, 0x39, 0x22, 0x7B, 0x5D][below(10)]
                case 2: bytes.insert(UInt8(truncatingIfNeeded: next()), at: below(bytes.count + 1))
                case 3 where !bytes.isEmpty: bytes.remove(at: below(bytes.count))
                case 4 where !bytes.isEmpty: bytes = Array(bytes.prefix(below(bytes.count)))
                case 5:
                    let other = corpus[below(corpus.count)]
                    let cut = below(bytes.count + 1)
                    bytes = Array(bytes.prefix(cut)) + Array(other.suffix(from: min(cut, other.count)))
                default:
                    if bytes.count >= 8 {  // overwrite a little-endian length-like field with a large value
                        let at = below(bytes.count - 7)
                        let value = [UInt64.max, 1 << 40, UInt64(Int32.max), 0][below(4)]
                        for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
                    }
                }
            }
            return bytes
        }
    }

    static func corpus(_ paths: [String]) -> [[UInt8]] {
        paths.compactMap { FileManager.default.contents(atPath: Fixtures.path($0)).map(Array.init) }
    }

    /// Feeds the seeds, then `iterations` mutants, to `body` (which says whether it accepted the input).
    /// Returns how many seeds and how many mutants were accepted.
    static func run(seed: UInt64, corpus: [[UInt8]], _ body: ([UInt8]) -> Bool) -> (seeds: Int, mutants: Int) {
        var mutator = Mutator(state: seed)
        var seeds = 0, mutants = 0
        for input in corpus where body(input) { seeds += 1 }
        for _ in 0..<iterations where body(mutator.mutate(corpus[mutator.below(corpus.count)], corpus: corpus)) {
            mutants += 1
        }
        return (seeds, mutants)
    }

    // Each test demands that the valid seeds are accepted (so the loop reaches past the first checks) and that
    // some mutants are accepted and some refused (so both paths run); a crash anywhere fails the run.

    @Test func safeTensors() {
        let seeds = Self.corpus(["safetensors/valid/mixed.safetensors", "safetensors/valid/no_tensors.safetensors",
                                 "core/linear.safetensors", "safetensors/malformed/hole.safetensors"])
        let accepted = Self.run(seed: 1, corpus: seeds) { bytes in
            guard let file = try? SafeTensorsFile(bytes: bytes) else { return false }
            for entry in file.entries where entry.dtype.convertsToFloat32 { _ = try? file.readTensor(named: entry.name) }
            return true
        }
        #expect(accepted.seeds == 3)  // the fourth seed is malformed
        #expect(accepted.mutants > 0 && accepted.mutants < Self.iterations)
    }

    @Test func configs() throws {
        let seeds = Self.corpus(["encoders/clip_vision/config.json", "encoders/dinov2_swiglu/config.json",
                                 "encoders/siglip_full/config.json", "connectors/c_abs/config.json",
                                 "connectors/i_mof/config.json", "connectors/a_mof/config.json"])
        let thin = try RGBImage(width: 3, height: 1, pixels: [0, 64, 128, 192, 255, 1, 2, 3, 4])
        let accepted = Self.run(seed: 2, corpus: seeds) { bytes in
            let data = Data(bytes)
            var parsed = 0
            if (try? VisionTransformerConfiguration(huggingFaceConfig: data)) != nil { parsed += 1 }
            if (try? ProjectorConfiguration(json: data)) != nil { parsed += 1 }
            if let processor = try? ImageProcessor(preprocessorConfig: data) {
                parsed += 1
                if case .shortestEdge(let edge)? = processor.resize, edge <= 256 { _ = try? processor.pixelValues(thin) }
            }
            return parsed > 0
        }
        #expect(accepted.seeds == seeds.count)
        #expect(accepted.mutants > 0 && accepted.mutants < Self.iterations)
    }

    @Test func shardedIndex() {
        // The seed's own shards, opened once; any other shard name gets a small valid file.
        let folder = "encoders/dinov2_registers_sharded/"
        var shards: [String: SafeTensorsFile] = [:]
        for name in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            shards[name] = try? SafeTensorsFile(path: Fixtures.path(folder + name))
        }
        let fallback = SafeTensorsWriter.serialize(["a": Tensor(shape: [2])])
        let seeds = Self.corpus([folder + "model.safetensors.index.json"])
        let accepted = Self.run(seed: 3, corpus: seeds) { bytes in
            (try? ShardedCheckpoint(indexBytes: bytes, label: "fuzz") { (name: String) throws(SafeTensorsError) -> SafeTensorsFile in
                if let seed = shards[name] { return seed }
                return try SafeTensorsFile(bytes: fallback)
            }) != nil
        }
        #expect(accepted.seeds == 1)
        #expect(accepted.mutants > 0 && accepted.mutants < Self.iterations)
    }

    @Test func images() {
        let seeds = Self.corpus(["images/coffee_exif_rotate.jpg", "images/coffee_palette.png", "images/coffee_progressive.jpg",
                                 "images/astronaut_grey.png", "images/formats/jpeg_ycck.jpg", "images/formats/png_grey16_trns.png"])
        let accepted = Self.run(seed: 4, corpus: seeds) { bytes in (try? RGBImage(encoded: bytes, pixelLimit: 1 << 20)) != nil }
        #expect(accepted.seeds == 6)
        #expect(accepted.mutants > 0 && accepted.mutants < Self.iterations)
    }

    /// The new decoders, each fed its own format's fixtures (both alpha modes, both 16-bit grey modes).
    @Test(arguments: [
        ("webp", ["webp_lossy.webp", "webp_lossless_alpha.webp", "webp_animated.webp", "webp_exif_rotated.webp"]),
        ("gif", ["gif_interlaced.gif", "gif_transparent.gif", "gif_local_palette.gif", "gif_offset_frame.gif"]),
        ("bmp", ["bmp_rle8.bmp", "bmp_rle4.bmp", "bmp_16_565.bmp", "bmp_32_alpha_bitfields.bmp", "bmp_core_8.bmp"]),
        ("tiff", ["tiff_rgb_lzw.tif", "tiff_grey16_big_endian.tif", "tiff_rgb_tiled_deflate.tif", "tiff_rgb_planar.tif",
                  "tiff_palette_lzw.tif", "tiff_ycbcr_jpeg.tif"]),
    ])
    func imageFormat(format: String, files: [String]) {
        let seeds = Self.corpus(files.map { "images/formats/" + $0 })
        #expect(seeds.count == files.count)
        let accepted = Self.run(seed: UInt64(5 + format.count), corpus: seeds) { bytes in
            let alpha: RGBImage.AlphaHandling = bytes.count % 2 == 0 ? .drop : .compositeOnWhite
            let grey16: RGBImage.Grey16Handling = bytes.count % 4 < 2 ? .clip : .scale
            return (try? RGBImage(encoded: bytes, alpha: alpha, grey16: grey16, pixelLimit: 1 << 20)) != nil
        }
        #expect(accepted.seeds == files.count, "\(format)")
        #expect(accepted.mutants > 0 && accepted.mutants < Self.iterations, "\(format): \(accepted.mutants) mutants accepted")
    }
}
