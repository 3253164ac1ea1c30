/// Anything that holds named tensors: a safetensors file, a sharded checkpoint, a dictionary.
public protocol ParameterSource: Sendable {
    /// Every tensor name the source holds.
    var tensorNames: [String] { get }
    /// The shape of `name`, or nil when the source does not hold it.
    func shape(of name: String) -> [Int]?
    /// Reads `name` as fp32 (converting from the stored dtype).
    func tensor(named name: String) throws -> Tensor
}

/// Tensors held in memory by name.
public struct TensorDictionary: ParameterSource {
    public var tensors: [String: Tensor]

    public init(_ tensors: [String: Tensor] = [:]) { self.tensors = tensors }

    public var tensorNames: [String] { tensors.keys.sorted() }
    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }
    public func tensor(named name: String) throws -> Tensor {
        guard let tensor = tensors[name] else {
            throw ParameterError.missing(path: name, expectedShape: [], nearest: NearestKeys.find(name, in: tensorNames))
        }
        return tensor
    }
}

/// Exposes the tensors of `base` whose names start with `prefix`, with the prefix removed:
/// the vision tower of a full CLIP checkpoint is `PrefixedSource(base, prefix: "vision_model.")`.
public struct PrefixedSource: ParameterSource {
    public let base: any ParameterSource
    public let prefix: String

    public init(_ base: any ParameterSource, prefix: String) {
        self.base = base
        self.prefix = prefix
    }

    public var tensorNames: [String] {
        base.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
    public func shape(of name: String) -> [Int]? { base.shape(of: prefix + name) }
    public func tensor(named name: String) throws -> Tensor { try base.tensor(named: prefix + name) }
}
