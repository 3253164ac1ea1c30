import Foundation
import Testing
import VLCore
import VLRetrieval
import VLTestSupport

/// Image embeddings against the PyTorch pipeline (PIL + transformers' PIL processors + the model + normalisation;
/// fixtures from `Tools/reference/make_embedding_fixtures.py`): cosine >= 0.9999 per image (the contract; measured
/// above 0.999999), and the definitions' names.
@Suite struct EmbeddingTests {
    static let expected = try! Fixtures.open("embeddings/expected")
    static var images: [String] {
        let names = try! JSONDecoder().decode([String].self, from: Data(expected.metadata["images"]!.utf8))
        return names.map { Fixtures.path("images/" + $0) }
    }

    @Test("Embeddings match transformers per image", arguments: [
        ("clip", "clip.image_embeds"), ("clip_vision_projection", "clip.image_embeds"), ("siglip", "siglip.pooler_output"),
        ("dinov2", "dinov2.cls"), ("dinov2_registers", "dinov2.cls"),
    ])
    func matchesTransformers(model: String, name: String) throws {
        let embedder = try ImageEmbedder.load(directory: Fixtures.path("embeddings/\(model)"))
        #expect(embedder.embeddingName == name)
        let file = try embedder.embed(files: Self.images, batch: 4)
        #expect(file.items == Self.images && file.failed.isEmpty && file.checkpoint == model)
        let reference = try Self.expected[model]
        #expect(file.embeddings.shape == reference.shape)
        for row in 0..<reference.shape[0] {
            let a = try file.embeddings.selected(axis: 0, index: row), b = try reference.selected(axis: 0, index: row)
            let cosine = try (a * b).sum(axis: 0).scalars[0]
            #expect(cosine >= 0.9999, "\(model) \(Self.images[row]): cosine \(cosine)")
        }
    }

    @Test("An image's embedding does not depend on its batch: batch sizes and shards agree bit for bit", arguments: KernelPath.allCases)
    func batchIndependence(path: KernelPath) throws {
        let embedder = try ImageEmbedder.load(directory: Fixtures.path("embeddings/dinov2_registers"), packWeights: path.packWeights)
        try path.run {
            let whole = try embedder.embed(files: Self.images, batch: 6).embeddings
            for batch in [1, 4] {
                #expect(try embedder.embed(files: Self.images, batch: batch).embeddings.scalars == whole.scalars, "\(path) batch \(batch)")
            }
            let collection = ImageCollection(paths: Self.images)
            let shards = try (0..<4).map { try embedder.embed(files: try collection.shard($0, of: 4).paths, batch: 3).embeddings }
            #expect(try Tensor(concatenating: shards.filter { $0.shape[0] > 0 }, axis: 0).scalars == whole.scalars, "\(path)")
        }
    }

    @Test("Unreadable files are skipped and listed; shards are near-equal contiguous slices")
    func failuresAndShards() throws {
        let embedder = try ImageEmbedder.load(directory: Fixtures.path("embeddings/siglip"))
        let files = [Self.images[0], Fixtures.path("images/bad/truncated.png"), Self.images[1]]
        let file = try embedder.embed(files: files, batch: 2)
        #expect(file.items == [Self.images[0], Self.images[1]])
        #expect(file.failed.map(\.path) == [Fixtures.path("images/bad/truncated.png")])
        let collection = ImageCollection(paths: (0..<10).map { "\($0)" })
        #expect(try (0..<3).map { try collection.shard($0, of: 3).paths.count } == [3, 3, 4])
        #expect(throws: CollectionError.shard(index: 3, count: 3)) { try collection.shard(3, of: 3) }
    }

    @Test("Folders are searched recursively for images, sorted bytewise")
    func collection() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/b/deep", withIntermediateDirectories: true)
        for name in ["B.PNG", "a.jpg", "b/deep/c.JPEG", "b/notes.txt", "Z.png", "w.WebP", "g.gif", "b/m.bmp", "t.tif", "T.TIFF",
                     "x.heic", "b/y.jp2"] {
            #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data([1])))
        }
        let found = try ImageCollection(searching: [folder]).paths.map { String($0.dropFirst(folder.count + 1)) }
        #expect(found == ["B.PNG", "T.TIFF", "Z.png", "a.jpg", "b/deep/c.JPEG", "b/m.bmp", "g.gif", "t.tif", "w.WebP"])
        #expect(ImageCollection.imageExtensions == ["png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff"])
        #expect(throws: CollectionError.self) { try ImageCollection(searching: [folder + "/b/deep/nothing"]) }
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        #expect(throws: CollectionError.empty(paths: [folder + "/empty"])) { try ImageCollection(searching: [folder + "/empty"]) }
    }
}
