import Foundation
import Testing
import VLCore
import VLImage

/// `preprocessor_config.json` as transformers 5.23 reads it (`get_size_dict`), and the limits on sizes.
@Suite struct PreprocessorConfigTests {
    static func processor(_ json: String) throws -> ImageProcessor {
        try ImageProcessor(preprocessorConfig: Data(json.utf8))
    }

    @Test("A bare integer size is the shortest edge; a bare integer crop_size is a square")
    func integerSizes() throws {
        // The form of openai/clip-vit-large-patch14-336's file.
        let clip = try Self.processor(#"{"crop_size": 336, "do_center_crop": true, "do_normalize": true, "do_resize": true, "resample": 3, "size": 336}"#)
        #expect(clip.resize == .shortestEdge(336))
        #expect(clip.crop?.height == 336 && clip.crop?.width == 336)
        #expect(clip == ImageProcessor(.clip, size: 336))
        let dict = try Self.processor(#"{"size": {"height": 384, "width": 384}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}"#)
        #expect(dict.resize == .exact(height: 384, width: 384) && dict.crop == nil)
    }

    @Test("Sizes outside 1 ... 16384 are configuration errors", arguments: [
        #"{"size": 0}"#, #"{"size": {"shortest_edge": -3}}"#, #"{"size": 100000}"#,
        #"{"size": 224, "do_center_crop": true, "crop_size": {"height": 0, "width": 224}}"#,
        #"{"size": 224, "do_center_crop": true, "crop_size": -1}"#,
    ])
    func badSizes(json: String) throws {
        #expect(throws: ConfigurationError.self) { try Self.processor(json) }
    }

    @Test("A thin image resized by its shortest edge beyond the limits is refused, not allocated")
    func thinImage() throws {
        let image = try RGBImage(width: 20_000, height: 1, pixels: [UInt8](repeating: 7, count: 60_000))
        #expect(throws: ImageError.self) { try ImageProcessor(.clip, size: 224).pixelValues(image) }
        #expect(throws: ImageError.self) { try RGBImage(width: 3, height: 3, pixels: [1, 2, 3]) }
        let small = try RGBImage(width: 4, height: 2, pixels: [UInt8](repeating: 9, count: 24))
        #expect(try ImageProcessor(.siglip, size: 8).pixelValues(small).shape == [1, 3, 8, 8])
    }
}
