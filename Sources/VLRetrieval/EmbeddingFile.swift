import Foundation
public import VLCore

/// An embeddings file: `embeddings [N, D]` fp32 (L2-normalised) in safetensors, with metadata naming what the rows are.
///
/// Metadata: `images` (or `texts`) = a JSON array of the N items in row order; `embedding` = the definition
/// (`clip.image_embeds`, `clip.pooler_output`, `siglip.pooler_output`, `dinov2.cls`, `clip.text_embeds`);
/// `checkpoint` = the checkpoint folder's last path component; `failed` = a JSON array of `{"path", "error"}` for
/// images that could not be read (skipped). Several files (shards) concatenate in order.
public struct EmbeddingFile: Sendable {
    /// What the rows describe.
    public enum Items: String, Sendable {
        case images, texts
    }

    /// One image that could not be embedded.
    public struct Failure: Codable, Sendable, Equatable {
        public var path: String
        public var error: String

        public init(path: String, error: String) {
            self.path = path
            self.error = error
        }
    }

    /// `[N, D]`.
    public var embeddings: Tensor
    public var kind: Items
    /// The N image paths or texts, in row order.
    public var items: [String]
    public var embedding: String
    public var checkpoint: String
    public var failed: [Failure]

    public init(embeddings: Tensor, kind: Items, items: [String], embedding: String, checkpoint: String, failed: [Failure] = []) {
        self.embeddings = embeddings
        self.kind = kind
        self.items = items
        self.embedding = embedding
        self.checkpoint = checkpoint
        self.failed = failed
    }

    /// Writes the file atomically (a temporary file renamed at the end).
    public func write(to path: String) throws {
        var metadata = ["embedding": embedding, "checkpoint": checkpoint, "producer": "vlblocks embed"]
        metadata[kind.rawValue] = try Self.json(items)
        if kind == .images { metadata["failed"] = try Self.json(failed) }
        try SafeTensorsWriter.write(["embeddings": embeddings], metadata: metadata, to: path)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Reads and concatenates `paths` (shards, in order).
    /// - Throws: ``EmbeddingFileError`` for a file without `embeddings`, embeddings that are not `[N, D]` fp32, a
    ///   missing or malformed item list, shards of different widths or definitions.
    public init(reading paths: [String]) throws {
        var tensors: [Tensor] = []
        var items: [String] = []
        var failed: [Failure] = []
        var first: (kind: Items, embedding: String, checkpoint: String, width: Int)?
        for path in paths {
            let file = try SafeTensorsFile(path: path)
            guard let entry = file.entry(named: "embeddings") else {
                throw EmbeddingFileError.invalid(file: path, reason: "no tensor named 'embeddings' (it holds: \(file.tensorNames.joined(separator: ", ")))")
            }
            guard entry.dtype == .float32, entry.shape.count == 2, entry.shape[1] > 0 else {
                throw EmbeddingFileError.invalid(file: path, reason: "embeddings must be [N, D] fp32, found \(entry.dtype.rawValue) \(entry.shape.shapeDescription)")
            }
            let kind: Items = file.metadata["texts"] != nil ? .texts : .images
            guard let list = file.metadata[kind.rawValue], let names = try? JSONDecoder().decode([String].self, from: Data(list.utf8)) else {
                throw EmbeddingFileError.invalid(file: path, reason: "metadata 'images' (or 'texts') must be a JSON array of strings")
            }
            guard names.count == entry.shape[0] else {
                throw EmbeddingFileError.invalid(file: path, reason: "metadata lists \(names.count) \(kind.rawValue) for \(entry.shape[0]) embeddings")
            }
            let embedding = file.metadata["embedding"] ?? "", checkpoint = file.metadata["checkpoint"] ?? ""
            if let first {
                guard first.kind == kind, first.width == entry.shape[1], first.embedding == embedding else {
                    throw EmbeddingFileError.invalid(file: path, reason: "a shard of \(entry.shape[1])-wide \(embedding) \(kind.rawValue) after \(first.width)-wide \(first.embedding) \(first.kind.rawValue)")
                }
            } else {
                first = (kind, embedding, checkpoint, entry.shape[1])
            }
            tensors.append(try file.readTensor(named: "embeddings"))
            items += names
            if let text = file.metadata["failed"], let list = try? JSONDecoder().decode([Failure].self, from: Data(text.utf8)) { failed += list }
        }
        guard let first else { throw EmbeddingFileError.invalid(file: "", reason: "no embedding files given") }
        self.init(embeddings: tensors.count == 1 ? tensors[0] : try Tensor(concatenating: tensors, axis: 0), kind: first.kind, items: items,
                  embedding: first.embedding, checkpoint: first.checkpoint, failed: failed)
    }
}

/// A malformed embeddings file.
public enum EmbeddingFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(file: String, reason: String)
    case zeroVector(item: String)

    public var description: String {
        switch self {
        case .invalid(let file, let reason): "\(file): \(reason)"
        case .zeroVector(let item): "\(item): its embedding is all zeros and cannot be normalised"
        }
    }
}
