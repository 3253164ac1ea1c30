import Synchronization

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

/// Supplies parameters to modules while they are built, and checks the checkpoint against them.
///
/// Modules are built *from* a loader (`Linear(scope["q_proj"], ...)`), so the construction code is
/// the key layout. Loading is strict: a missing key or a wrong shape throws at once with the
/// dotted path, both shapes and the nearest existing keys; ``finish()`` throws for keys that no module
/// consumed. Built with ``init(randomSeed:)`` instead, the loader invents every tensor from its
/// ``ParameterInitializer`` (deterministic per seed and path), for benchmarks and presets.
public final class ParameterLoader: Sendable {
    private enum Mode: Sendable {
        case source(any ParameterSource)
        case random(seed: UInt64)
    }

    private let mode: Mode
    private let consumed = Mutex<Set<String>>([])
    private let ignoredPrefixes: [String]
    /// Whether linear layers built from this loader keep packed weights (nil: ``WeightPacking/isEnabled``).
    public let packWeights: Bool?

    /// Loads from `source`; names starting with one of `ignoring` are allowed to stay unused.
    public init(source: any ParameterSource, ignoring: [String] = [], packWeights: Bool? = nil) {
        self.mode = .source(source)
        self.ignoredPrefixes = ignoring
        self.packWeights = packWeights
    }

    /// Generates every parameter from its initializer with a seeded generator.
    public init(randomSeed: UInt64, packWeights: Bool? = nil) {
        self.mode = .random(seed: randomSeed)
        self.ignoredPrefixes = []
        self.packWeights = packWeights
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

    /// Returns the tensor at `path`, which must have `shape`.
    public func load(_ path: String, shape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        switch mode {
        case .random(let seed):
            return RandomTensor.make(shape: shape, initializer: initializer, seed: seed, path: path)
        case .source(let source):
            guard let stored = source.shape(of: path) else {
                throw ParameterError.missing(
                    path: path, expectedShape: shape, nearest: NearestKeys.find(path, in: source.tensorNames))
            }
            guard stored == shape else {
                throw ParameterError.shapeMismatch(path: path, expected: shape, actual: stored)
            }
            let tensor = try source.tensor(named: path)
            consumed.withLock { _ = $0.insert(path) }
            return tensor
        }
    }

    /// Returns the tensor at `path` whatever its shape (the caller validates it), marking it used.
    public func loadAnyShape(_ path: String, fallbackShape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        if let stored = storedShape(of: path) { return try load(path, shape: stored, initializer: initializer) }
        return try load(path, shape: fallbackShape, initializer: initializer)
    }

    /// Names in the source that no module consumed (excluding ignored prefixes).
    public var unusedNames: [String] {
        guard case .source(let source) = mode else { return [] }
        let used = consumed.withLock { $0 }
        return source.tensorNames.filter { name in
            !used.contains(name) && !ignoredPrefixes.contains(where: { name.hasPrefix($0) })
        }.sorted()
    }

    /// Throws ``ParameterError/unused(paths:)`` when the source holds tensors no module consumed.
    public func finish() throws(ParameterError) {
        let unused = unusedNames
        if !unused.isEmpty { throw .unused(paths: unused) }
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

    /// Loads `name` with the given shape (generating it from `initializer` in random mode).
    public func load(_ name: String, shape: [Int], initializer: ParameterInitializer) throws -> Tensor {
        try loader.load(path(name), shape: shape, initializer: initializer)
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
}
