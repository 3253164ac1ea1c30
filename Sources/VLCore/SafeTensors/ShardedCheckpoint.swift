import Foundation

/// A checkpoint split over several safetensors files, described by `model.safetensors.index.json`:
/// `{"metadata": {...}, "weight_map": {"tensor name": "model-00001-of-00002.safetensors", ...}}`.
///
/// Every shard is mapped and validated on open, and every tensor the map lists must be in its shard.
public struct ShardedCheckpoint: ParameterSource {
    public let indexPath: String
    /// `metadata` of the index (numbers and strings as text).
    public let metadata: [String: String]
    /// Tensor name to shard file name.
    public let weightMap: [String: String]
    private let shards: [String: SafeTensorsFile]

    /// Opens the index at `indexPath` and the shards beside it.
    public init(indexPath: String) throws(SafeTensorsError) {
        guard let data = FileManager.default.contents(atPath: indexPath) else {
            throw .unreadable(file: indexPath, reason: "no such file or not readable")
        }
        let directory = (indexPath as NSString).deletingLastPathComponent
        try self.init(indexBytes: Array(data), label: indexPath) { (shardName) throws(SafeTensorsError) -> SafeTensorsFile in
            try SafeTensorsFile(path: (directory as NSString).appendingPathComponent(shardName))
        }
    }

    /// Parses index bytes; `openShard` opens a shard by the relative name the index gives.
    public init(
        indexBytes data: [UInt8], label indexPath: String,
        openShard: (String) throws(SafeTensorsError) -> SafeTensorsFile
    ) throws(SafeTensorsError) {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw .invalidIndex(file: indexPath, reason: "not valid JSON: \(error.description)")
        }
        guard case .object(let mapMembers)? = json["weight_map"] else {
            throw .invalidIndex(file: indexPath, reason: "missing 'weight_map' object")
        }
        var metadata: [String: String] = [:]
        if case .object(let members)? = json["metadata"] {
            for (key, value) in members {
                switch value {
                case .string(let s): metadata[key] = s
                case .integer(let i): metadata[key] = String(i)
                case .number(let d): metadata[key] = String(d)
                default: break
                }
            }
        }
        var weightMap: [String: String] = [:]
        var shards: [String: SafeTensorsFile] = [:]
        for (tensor, value) in mapMembers {
            guard case .string(let shardName) = value else {
                throw .invalidIndex(file: indexPath, reason: "weight_map['\(tensor)'] is not a file name")
            }
            guard !shardName.isEmpty, !shardName.hasPrefix("/"), !shardName.split(separator: "/").contains("..") else {
                throw .invalidIndex(file: indexPath, reason: "shard name '\(shardName)' must be a relative path inside the checkpoint folder")
            }
            if shards[shardName] == nil {
                shards[shardName] = try openShard(shardName)
            }
            guard shards[shardName]!.entry(named: tensor) != nil else {
                throw .invalidIndex(file: indexPath, reason: "weight_map lists '\(tensor)' in \(shardName), which does not hold it")
            }
            weightMap[tensor] = shardName
        }
        self.indexPath = indexPath
        self.metadata = metadata
        self.weightMap = weightMap
        self.shards = shards
    }

    public var tensorNames: [String] { weightMap.keys.sorted() }

    public func shape(of name: String) -> [Int]? {
        weightMap[name].flatMap { shards[$0]?.shape(of: name) }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let shard = weightMap[name], let file = shards[shard] else {
            throw SafeTensorsError.missingTensor(file: indexPath, tensor: name)
        }
        return try file.readTensor(named: name)
    }

    /// The shard files, by name.
    public var shardFiles: [String: SafeTensorsFile] { shards }
}

/// Opens the weights of a Hugging Face checkpoint folder: `model.safetensors`, or the sharded
/// `model.safetensors.index.json`.
public enum CheckpointWeights {
    public static func open(directory: String) throws -> any ParameterSource {
        let single = (directory as NSString).appendingPathComponent("model.safetensors")
        let index = (directory as NSString).appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single) { return try SafeTensorsFile(path: single) }
        if FileManager.default.fileExists(atPath: index) { return try ShardedCheckpoint(indexPath: index) }
        throw SafeTensorsError.unreadable(
            file: directory, reason: "no model.safetensors or model.safetensors.index.json in the folder")
    }
}
