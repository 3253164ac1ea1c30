import Dispatch
import Foundation
public import VLCore
public import VLImage

/// Image embeddings of a checkpoint: the image features its family defines (``DualEncoder/imageEmbeddingName``),
/// L2-normalised (`x / sqrt(sum x^2)`, as `CLIPModel` normalises), from image files preprocessed as the
/// checkpoint's `preprocessor_config.json` says.
///
/// An image's embedding does not depend on the other images of its batch, so shards and batch sizes agree bit for
/// bit: with packed weights (release builds on AVX2 + FMA CPUs) every row of every product is computed by the same
/// kernel sequence whatever the batch holds; OpenBLAS, which blocks products by their row count, runs one image per
/// forward pass instead.
public struct ImageEmbedder: Sendable {
    public let encoder: DualEncoder
    public let processor: ImageProcessor
    /// The checkpoint folder's last path component.
    public let checkpointName: String
    /// `clip.image_embeds`, `clip.pooler_output`, `siglip.pooler_output` or `dinov2.cls`.
    public let embeddingName: String

    /// Loads the image side of the checkpoint folder at `directory`.
    /// - Throws: ``ConfigurationError`` when the folder has no image tower.
    public static func load(directory: String, packWeights: Bool? = nil, precision: Precision = .float32) throws -> ImageEmbedder {
        let encoder = try DualEncoder.load(directory: directory, packWeights: packWeights, precision: precision)
        guard let vision = encoder.vision, let name = encoder.imageEmbeddingName else {
            throw ConfigurationError(field: directory, reason: "this checkpoint has no image tower (a text-only model)")
        }
        let processor = try ImageProcessor.forCheckpoint(directory: directory, tower: vision.configuration)
        return ImageEmbedder(encoder: encoder, processor: processor, checkpointName: (directory as NSString).lastPathComponent,
                             embeddingName: name)
    }

    public init(encoder: DualEncoder, processor: ImageProcessor, checkpointName: String, embeddingName: String) {
        self.encoder = encoder
        self.processor = processor
        self.checkpointName = checkpointName
        self.embeddingName = embeddingName
    }

    /// Normalised embeddings `[B, D]` of `pixel_values [B, C, H, W]`.
    /// - Throws: ``EmbeddingFileError/zeroVector(item:)`` when a row cannot be normalised (it is all zeros).
    public func embed(pixels: Tensor, names: [String]? = nil) throws -> Tensor {
        let batch = pixels.rank == 4 ? pixels.shape[0] : 1
        guard batch > 1, encoder.vision?.embeddings.patchEmbedding.projection.isPacked == false else {
            return try Self.normalizedRows(try encoder.imageFeatures(pixels), names: names)
        }
        let rows = try (0..<batch).map { try encoder.imageFeatures(try pixels.narrowed(axis: 0, start: $0, length: 1)) }
        return try Self.normalizedRows(try Tensor(concatenating: rows, axis: 0), names: names)
    }

    /// `x / ||x||` per row, refusing rows of zeros.
    static func normalizedRows(_ features: Tensor, names: [String]?) throws -> Tensor {
        let norms = try features.squared().sum(axis: -1)
        for (row, value) in norms.scalars.enumerated() where !(value > 0) {
            throw EmbeddingFileError.zeroVector(item: names?[row] ?? "row \(row)")
        }
        return try features.normalized()
    }

    /// Embeds image files in batches of `batch`, decoding and preprocessing the next batch while the current one
    /// encodes. Files that cannot be decoded are skipped and listed in the result's `failed`.
    /// - Parameter progress: called after each batch with the images done and the total.
    public func embed(files: [String], batch: Int = 8, alpha: RGBImage.AlphaHandling = .drop, grey16: RGBImage.Grey16Handling = .clip,
                      progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> EmbeddingFile {
        let batches = stride(from: 0, to: files.count, by: max(batch, 1)).map { Array(files[$0..<min($0 + max(batch, 1), files.count)]) }
        var rows: [Tensor] = []
        var items: [String] = []
        var failed: [EmbeddingFile.Failure] = []
        let decoder = BatchDecoder(processor: processor, alpha: alpha, grey16: grey16)
        var pending = batches.first.map { decoder.start($0) }
        for index in batches.indices {
            let decoded = pending!.wait()
            pending = index + 1 < batches.count ? decoder.start(batches[index + 1]) : nil
            failed += decoded.failures
            // Images of one pixel size encode together (processors that do not crop can give several sizes).
            var start = 0
            while start < decoded.images.count {
                let shape = decoded.images[start].pixels.shape
                var end = start + 1
                while end < decoded.images.count, decoded.images[end].pixels.shape == shape { end += 1 }
                let group = decoded.images[start..<end]
                let pixels = group.count == 1 ? group.first!.pixels : try Tensor(concatenating: group.map(\.pixels), axis: 0)
                rows.append(try embed(pixels: pixels, names: group.map(\.path)))
                items += group.map(\.path)
                start = end
            }
            progress(batches[...index].reduce(0) { $0 + $1.count }, files.count)
        }
        let width = rows.first?.shape[1] ?? 0
        let embeddings = rows.isEmpty ? Tensor(shape: [0, width]) : try Tensor(concatenating: rows, axis: 0)
        return EmbeddingFile(embeddings: embeddings, kind: .images, items: items, embedding: embeddingName,
                             checkpoint: checkpointName, failed: failed)
    }
}

/// Decodes and preprocesses batches of image files on a background queue.
final class BatchDecoder: Sendable {
    struct Decoded: Sendable {
        var images: [(path: String, pixels: Tensor)] = []
        var failures: [EmbeddingFile.Failure] = []
    }

    /// One batch being decoded.
    final class Job: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let result = LockedValue(Decoded())

        func finish(_ decoded: Decoded) {
            result.withLock { $0 = decoded }
            done.signal()
        }

        func wait() -> Decoded {
            done.wait()
            return result.withLock { $0 }
        }
    }

    let processor: ImageProcessor
    let alpha: RGBImage.AlphaHandling
    let grey16: RGBImage.Grey16Handling
    private let queue = DispatchQueue(label: "vlblocks.embed.decode")

    init(processor: ImageProcessor, alpha: RGBImage.AlphaHandling, grey16: RGBImage.Grey16Handling) {
        self.processor = processor
        self.alpha = alpha
        self.grey16 = grey16
    }

    func start(_ paths: [String]) -> Job {
        let job = Job()
        queue.async { [processor, alpha, grey16] in
            var decoded = Decoded()
            for path in paths {
                do {
                    let image = try RGBImage(contentsOf: path, alpha: alpha, grey16: grey16)
                    decoded.images.append((path, try processor.pixelValues(image)))
                } catch {
                    decoded.failures.append(EmbeddingFile.Failure(path: path, error: "\(error)"))
                }
            }
            job.finish(decoded)
        }
        return job
    }
}
