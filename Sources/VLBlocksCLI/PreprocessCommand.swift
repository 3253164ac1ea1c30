public import ArgumentParser
public import VLBlocks

extension RGBImage.AlphaHandling: ExpressibleByArgument {}
extension RGBImage.Grey16Handling: ExpressibleByArgument {}
extension ImageProcessor.Family: ExpressibleByArgument {}

/// `vlblocks preprocess --image FILE --processor clip|siglip|dinov2 --size N --output OUT.safetensors`.
struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Decode an image and write pixel_values [1, 3, N, N] as transformers' image processors would.",
        discussion: """
            PNG, JPEG, WebP, GIF, BMP and TIFF files, recognised from their bytes, are read as Pillow 13 reads them
            (the first frame of animations; EXIF orientation applied), then converted to RGB and preprocessed as
            transformers' pipelines do.
            """
    )

    @Option(help: "A PNG, JPEG, WebP, GIF, BMP or TIFF image (EXIF orientation is applied).") var image: String
    @Option(help: "clip, siglip or dinov2.") var processor: ImageProcessor.Family
    @Option(help: "Output side N in pixels.") var size: Int
    @Option(help: "Where to write pixel_values (safetensors).") var output: String
    @Option(help: "Transparent pixels: drop (keep the color channels) or white (composite on white, as transformers 5.x).")
    var alpha: RGBImage.AlphaHandling = .drop
    @Option(help: "16-bit grey: clip (values above 255 become 255, as Pillow and the pipelines) or scale (the high byte).")
    var grey16: RGBImage.Grey16Handling = .clip

    func validate() throws {
        guard size > 0, size <= 8192 else { throw ValidationError("--size must be between 1 and 8192") }
    }

    func run() throws {
        let decoded = try RGBImage(contentsOf: image, alpha: alpha, grey16: grey16)
        let pixels = try ImageProcessor(processor, size: size).pixelValues(decoded)
        try SafeTensorsWriter.write(["pixel_values": pixels], metadata: ["processor": processor.rawValue, "size": String(size)],
                                    to: output)
    }
}
