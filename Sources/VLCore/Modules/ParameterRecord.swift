/// The parameters of one module, as its construction asked for them: checkpoint key (relative to the module),
/// stored shape, and a way to read the tensor back in the checkpoint's layout.
///
/// ``ParameterScope`` writes the record while a module is built; the module keeps ``ParameterScope/recorded()``.
/// Counting reads the shapes only. A module that repacks what it loaded (fused query-key-value rows, packed
/// weights) says so where it does it (``ParameterScope/rebind(_:to:)``), so that exporting gives the original
/// tensors back without the module keeping a second copy.
public struct ParameterRecord: Sendable {
    /// One recorded parameter.
    public struct Entry: Sendable {
        /// The dotted key relative to the module, e.g. `self_attn.q_proj.weight`.
        public let key: String
        /// The shape as the checkpoint stores it.
        public let shape: [Int]
        let value: ParameterValue

        /// The tensor in the checkpoint's layout (reconstructed when the module keeps it in another form).
        public var tensor: Tensor { value.tensor }
        /// The number of scalars.
        public var scalarCount: Int { shape.reduce(1, *) }
    }

    /// The module's dotted path in its model.
    public let path: String
    /// The parameters in the order they were loaded.
    public let entries: [Entry]

    public init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    /// A record of tensors held as they are, under the given keys (for modules built from tensors).
    public init(path: String, tensors: KeyValuePairs<String, Tensor?>) {
        self.path = path
        self.entries = tensors.compactMap { key, tensor in
            tensor.map { Entry(key: key, shape: $0.shape, value: .stored($0)) }
        }
    }

    /// A record made of other modules' records, each under a key prefix (`vision_model.`), then plain tensors: for a
    /// model assembled from modules loaded separately.
    public init(path: String, children: [(prefix: String, record: ParameterRecord)], tensors: KeyValuePairs<String, Tensor?> = [:]) {
        self.path = path
        var entries: [Entry] = []
        for (prefix, record) in children {
            entries += record.entries.map { Entry(key: prefix + $0.key, shape: $0.shape, value: $0.value) }
        }
        for case let (key, tensor?) in tensors { entries.append(Entry(key: key, shape: tensor.shape, value: .stored(tensor))) }
        self.entries = entries
    }

    /// The checkpoint keys in load order.
    public var keys: [String] { entries.map(\.key) }

    /// The total number of scalars (from the shapes: nothing is read or allocated).
    public var scalarCount: Int {
        var total = 0
        for entry in entries { total += entry.scalarCount }
        return total
    }

    /// The tensor stored under `key`, in the checkpoint's layout.
    public func tensor(_ key: String) -> Tensor? { entries.first { $0.key == key }?.tensor }

    /// Every tensor by key.
    public func tensors() -> [String: Tensor] {
        var all: [String: Tensor] = [:]
        for entry in entries { all[entry.key] = entry.tensor }
        return all
    }
}

/// Where a recorded parameter's value comes from.
enum ParameterValue: Sendable {
    /// Held as loaded (the module keeps the same storage).
    case stored(Tensor)
    /// Rebuilt from the form the module keeps (a slice of a fused matrix, an unpacked panel layout).
    case derived(@Sendable () -> Tensor)

    var tensor: Tensor {
        switch self {
        case .stored(let tensor): tensor
        case .derived(let make): make()
        }
    }
}
