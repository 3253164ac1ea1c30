
/// How a parameter is initialised when a module is built without a checkpoint.
public enum ParameterInitializer: Sendable, Equatable {
    /// Uniform noise with the given standard deviation around `mean`.
    case random(mean: Float = 0, std: Float)
    /// Every element set to one value (LayerNorm gains start at 1, biases at 0).
    case constant(Float)

    /// Weights of a linear or conv layer with `fanIn` inputs: std `1 / sqrt(fanIn)`.
    public static func fanIn(_ fanIn: Int) -> Self { .random(std: 1 / Float(max(fanIn, 1)).squareRoot()) }
    public static let zeros = Self.constant(0)
    public static let ones = Self.constant(1)
}

/// Supplies parameters to modules while they are built, records what each module asked for, and checks the
/// checkpoint against that record.
///
/// Modules are built *from* a loader (`Linear(scope["q_proj"], ...)`), so the construction code is the key
/// layout. Loading is strict: a missing key or a wrong shape throws at once with the dotted path, both shapes
/// and the nearest existing keys; ``finish()`` throws for keys that no module asked for. Built with
/// ``init(randomSeed:packWeights:)`` instead, the loader invents every tensor from its ``ParameterInitializer``
/// (deterministic per seed and path), for benchmarks and presets. Use one loader per model: the record of a
/// module is everything loaded under its path.
public final class ParameterLoader: Sendable {
    private enum Mode: Sendable {
        case source(any ParameterSource)
        case random(seed: UInt64)
    }

    private struct Recorded: Sendable {
        var path: String
        var shape: [Int]
        var value: ParameterValue
    }

    private let mode: Mode
    private let record = LockedValue<[Recorded]>([])
    private let ignoredPrefixes: [String]
    /// Whether linear layers built from this loader keep packed weights (nil: ``WeightPacking/isEnabled``).
    public let packWeights: Bool?
    /// The arithmetic of linear layers built from this loader (`.int8`: weights quantised as they are built).
    public let precision: Precision

    /// Loads from `source`; names starting with one of `ignoring` are allowed to stay unused.
    public init(source: any ParameterSource, ignoring: [String] = [], packWeights: Bool? = nil, precision: Precision = .float32) {
        self.mode = .source(source)
        self.ignoredPrefixes = ignoring
        self.packWeights = packWeights
        self.precision = precision
    }

    /// Generates every parameter from its initializer with a seeded generator.
    public init(randomSeed: UInt64, packWeights: Bool? = nil, precision: Precision = .float32) {
        self.mode = .random(seed: randomSeed)
        self.ignoredPrefixes = []
        self.packWeights = packWeights
        self.precision = precision
    }

    /// Whether layers built from this loader should pack their weights.
    public var prefersPackedWeights: Bool { VectorKernels.isAvailable && (packWeights ?? WeightPacking.isEnabled) }

    /// The root scope (no prefix).
    public var root: ParameterScope { ParameterScope(loader: self, prefix: "") }

    /// Whether the source holds `path` (always false when generating).
    public func contains(_ path: String) -> Bool {
        if case .source(let source) = mode { return source.shape(of: path) != nil }
        return false
    }

    /// Whether parameters are generated rather than read.
    public var isRandom: Bool {
        if case .random = mode { return true }
        return false
    }

    /// The stored shape of `path`, when the source holds it.
    public func storedShape(of path: String) -> [Int]? {
        if case .source(let source) = mode { return source.shape(of: path) }
        return nil
    }

    /// Returns the tensor at `path`, which must have `shape`, and records it.
    public func load(_ path: String, shape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        let tensor: Tensor
        switch mode {
        case .random(let seed):
            tensor = RandomTensor.make(shape: shape, initializer: initializer, seed: seed, path: path)
        case .source(let source):
            guard let stored = source.shape(of: path) else {
                throw ParameterError.missing(
                    path: path, expectedShape: shape, nearest: NearestKeys.find(path, in: source.tensorNames))
            }
            guard stored == shape else {
                throw ParameterError.shapeMismatch(path: path, expected: shape, actual: stored)
            }
            tensor = try source.tensor(named: path)
        }
        record.withLock { $0.append(Recorded(path: path, shape: shape, value: .stored(tensor))) }
        return tensor
    }

    /// Returns the tensor at `path` whatever its shape (the caller validates it), and records it.
    public func loadAnyShape(_ path: String, fallbackShape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        if let stored = storedShape(of: path) { return try load(path, shape: stored, initializer: initializer) }
        return try load(path, shape: fallbackShape, initializer: initializer)
    }

    /// Replaces how the recorded parameter `path` is read back (see ``ParameterScope/rebind(_:to:)``).
    func rebind(_ path: String, to value: @escaping @Sendable () -> Tensor) {
        record.withLock { entries in
            guard let index = entries.lastIndex(where: { $0.path == path }) else {
                preconditionFailure("rebinding '\(path)', which was never loaded")
            }
            entries[index].value = .derived(value)
        }
    }

    /// The record of everything loaded under `prefix` (everything for the empty prefix), keys relative to it.
    func recorded(under prefix: String) -> ParameterRecord {
        let dotted = prefix + "."
        let entries = record.withLock { all in
            all.compactMap { item -> ParameterRecord.Entry? in
                if prefix.isEmpty { return ParameterRecord.Entry(key: item.path, shape: item.shape, value: item.value) }
                guard item.path.hasPrefix(dotted) else { return nil }
                return ParameterRecord.Entry(key: String(item.path.dropFirst(dotted.count)), shape: item.shape, value: item.value)
            }
        }
        return ParameterRecord(path: prefix, entries: entries)
    }

    /// Every path loaded so far.
    public var loadedNames: Set<String> { record.withLock { Set($0.map(\.path)) } }

    /// Names in the source that no module asked for (excluding ignored prefixes).
    public var unusedNames: [String] {
        guard case .source(let source) = mode else { return [] }
        let used = loadedNames
        return source.tensorNames.filter { name in
            !used.contains(name) && !ignoredPrefixes.contains(where: { name.hasPrefix($0) })
        }.sorted()
    }

    /// Throws ``ParameterError/unused(paths:)`` when the source holds tensors no module asked for.
    public func finish() throws(ParameterError) {
        let unused = unusedNames
        if !unused.isEmpty { throw .unused(paths: unused) }
    }

    /// Builds a module from the root scope and checks that it used every tensor of the source.
    ///
    /// ```swift
    /// let layer = try ParameterLoader(source: file).build { try Linear($0["proj"], inFeatures: 8, outFeatures: 4) }
    /// ```
    /// - Throws: ``ParameterError`` for a missing, misshapen or unused key; whatever `make` throws.
    public func build<M: Module>(_ make: (ParameterScope) throws -> M) throws -> M {
        let module = try make(root)
        try finish()
        return module
    }
}

/// A loader seen from one module: names are relative to `prefix`.
public struct ParameterScope: Sendable {
    public let loader: ParameterLoader
    /// The dotted path of this module (empty at the root).
    public let prefix: String

    public init(loader: ParameterLoader, prefix: String) {
        self.loader = loader
        self.prefix = prefix
    }

    /// The scope of a child module, e.g. `scope["self_attn"]["q_proj"]` or `scope["layers.3"]`.
    public subscript(_ child: String) -> ParameterScope {
        ParameterScope(loader: loader, prefix: path(child))
    }

    /// The scope of the `index`-th element of a list module (`layers.3`).
    public subscript(_ child: String, _ index: Int) -> ParameterScope { self["\(child).\(index)"] }

    /// The full dotted path of `name` in this scope.
    public func path(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// Loads `name` with the given shape (generating it from `initializer` in random mode), and records it.
    public func load(_ name: String, shape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        try loader.load(path(name), shape: shape, initializer: initializer)
    }

    /// Loads `name` whatever its stored shape (`fallbackShape` when generating); the caller validates it.
    public func loadAnyShape(_ name: String, fallbackShape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        try loader.loadAnyShape(path(name), fallbackShape: fallbackShape, initializer: initializer)
    }

    /// Loads `name` when the source holds it; in random mode, generates it when `randomDefault` is true.
    public func loadIfPresent(
        _ name: String, shape: [Int], initializer: ParameterInitializer, randomDefault: Bool
    ) throws -> Tensor? {
        if loader.isRandom { return randomDefault ? try load(name, shape: shape, initializer: initializer) : nil }
        return loader.contains(path(name)) ? try load(name, shape: shape, initializer: initializer) : nil
    }

    /// Whether the source holds `name` under this scope.
    public func contains(_ name: String) -> Bool { loader.contains(path(name)) }

    /// Says that the module keeps parameter `name` (already loaded in this scope) in another form, and how to
    /// rebuild the checkpoint's tensor from that form: a row slice of a fused projection, an unpacked weight.
    /// The record then holds no reference to the loaded tensor, so the module keeps one copy only.
    public func rebind(_ name: String, to value: @escaping @Sendable () -> Tensor) {
        loader.rebind(path(name), to: value)
    }

    /// The record of every parameter loaded under this scope so far: what a module keeps as its
    /// ``Module/parameters`` at the end of its initialiser.
    public func recorded() -> ParameterRecord { loader.recorded(under: prefix) }
}
