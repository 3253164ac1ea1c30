import VLCore

/// The compute paths a release build can take for linear layers, so that golden tests reach each of them
/// (debug builds turn packing off by default, and test shapes are too small for the parallel split).
public enum KernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Plain weights through OpenBLAS.
    case openBLAS
    /// Packed weights, every product on the calling thread (as small products run).
    case packed
    /// Packed weights with every product split across two threads (as large products run in release builds).
    case packedParallel

    /// The loader setting that selects the path.
    public var packWeights: Bool { self != .openBLAS }

    public var description: String { rawValue }

    /// Runs `body` on this path (modules must be built with ``packWeights``).
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        switch self {
        case .openBLAS, .packed:
            return try PackedWeight.$parallelThreshold.withValue(.max) { try body() }
        case .packedParallel:
            return try ComputeThreads.withCount(2) { try PackedWeight.$parallelThreshold.withValue(0) { try body() } }
        }
    }
}
