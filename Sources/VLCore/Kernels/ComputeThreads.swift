internal import CVLBlocksBLAS
internal import CVLBlocksKernels
import Dispatch
import Foundation
import Synchronization

/// The number of threads VLBlocks computes with, and how it shares the machine with the host process.
///
/// VLBlocks parallelises itself: GEMMs are split into blocks of columns, attention runs its heads side by
/// side, and norms, softmax and activations split their rows, all on this many threads, each block one
/// single-threaded OpenBLAS call (or VLBlocks' own micro-kernel). The default is every core the process may use.
/// Set it once at start-up, e.g. for a server that runs several models side by side, or for one piece of work
/// (the image encoder of a pipeline, one request) without touching the rest of the process:
/// ```swift
/// ComputeThreads.set(2)                                    // process-wide
/// let out = try ComputeThreads.withCount(1) { try tower.encode(pixels) }   // this task only
/// ```
///
/// Nothing here changes the host process behind its back: OpenBLAS' own thread count is lowered to one only
/// while a VLBlocks product runs and restored when the last one returns (``BLASThreading/scoped``), unless the
/// host opts into another ``BLASThreading``; VLBlocks' worker threads poll for ``workerSpin`` after a job,
/// then sleep.
public enum ComputeThreads {
    private static let current = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)
    @TaskLocal private static var scoped: Int?

    /// The thread count in effect: the innermost ``withCount(_:_:)`` of the current task, else the
    /// process-wide value.
    public static var count: Int { scoped ?? current.load(ordering: .relaxed) }

    /// Sets the process-wide thread count for VLBlocks' kernels (values below 1 count as 1).
    public static func set(_ threads: Int) {
        current.store(Swift.max(1, threads), ordering: .relaxed)
    }

    /// Runs `body` with `threads` threads for VLBlocks' kernels called from it (on this task), leaving the
    /// process-wide count and other tasks alone. Values below 1 count as 1.
    public static func withCount<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(Swift.max(1, threads), operation: body)
    }

    /// The `async` form of ``withCount(_:_:)``.
    public static func withCount<R>(_ threads: Int, isolation: isolated (any Actor)? = #isolation,
                                    _ body: () async throws -> R) async rethrows -> R {
        try await $scoped.withValue(Swift.max(1, threads), operation: body, isolation: isolation)
    }

    /// How VLBlocks treats OpenBLAS' own thread pool. VLBlocks calls OpenBLAS from its own threads, one block
    /// each, so OpenBLAS must run single-threaded during those calls (its threads would compete for the cores).
    public enum BLASThreading: Sendable, Equatable {
        /// While any VLBlocks product runs, OpenBLAS is set to one thread; the host's setting is restored when the
        /// last one returns. A BLAS call the host makes from another thread meanwhile runs single-threaded. The default.
        case scoped
        /// OpenBLAS is set to one thread once, for the whole process, and left so: for processes that use BLAS
        /// through VLBlocks only (saves the switching, a fraction of a microsecond per product).
        case singleThreaded
        /// VLBlocks never changes OpenBLAS' thread count: the host manages it (and should set one thread).
        case unmanaged
    }

    private static let blasPolicy = LockedValue<BLASThreading>(.scoped)
    private static let blasScope = LockedValue<(depth: Int, saved: Int32)>((0, 0))

    /// The current ``BLASThreading`` policy.
    public static var blasThreading: BLASThreading { blasPolicy.withLock { $0 } }

    /// Chooses how VLBlocks treats OpenBLAS' thread count from now on (an explicit, process-wide opt-in).
    public static func setBLASThreading(_ policy: BLASThreading) {
        blasPolicy.withLock { current in
            if policy == .singleThreaded { openblas_set_num_threads(1) }
            current = policy
        }
    }

    /// Runs `body` (which calls OpenBLAS) under the ``blasThreading`` policy.
    package static func withSingleThreadedBLAS<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        guard blasPolicy.withLock({ $0 }) == .scoped else { return try body() }
        blasScope.withLock { scope in
            if scope.depth == 0 {
                scope.saved = openblas_get_num_threads()
                if scope.saved != 1 { openblas_set_num_threads(1) }
            }
            scope.depth += 1
        }
        defer {
            blasScope.withLock { scope in
                scope.depth -= 1
                if scope.depth == 0, scope.saved != 1 { openblas_set_num_threads(scope.saved) }
            }
        }
        return try body()
    }

    /// OpenBLAS' thread count now, with the number of VLBlocks products running and the host's saved count, read
    /// under one lock (for tests of the scoping).
    package static func blasSnapshot() -> (running: Int, current: Int32, saved: Int32) {
        blasScope.withLock { ($0.depth, openblas_get_num_threads(), $0.saved) }
    }

    /// How long an idle VLBlocks worker thread keeps polling for the next job before it sleeps (default 200 µs).
    /// A forward pass is a chain of short parallel regions, and polling saves a wake-up per region; set it to
    /// zero for hosts that would rather have idle threads sleep at once.
    public static var workerSpin: Duration { .nanoseconds(spinNanoseconds.load(ordering: .relaxed)) }

    private static let spinNanoseconds = Atomic<Int>(200_000)

    /// Sets ``workerSpin`` (process-wide).
    public static func setWorkerSpin(_ spin: Duration) {
        let nanoseconds = Int(spin.components.seconds) * 1_000_000_000 + Int(spin.components.attoseconds / 1_000_000_000)
        spinNanoseconds.store(Swift.max(0, nanoseconds), ordering: .relaxed)
        vlb_set_worker_spin(Swift.max(0, nanoseconds))
    }

    /// The OpenBLAS build in use, as it describes itself (e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ... Zen`).
    public static var blasDescription: String {
        guard let config = openblas_get_config() else { return "OpenBLAS" }
        let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
        return String(cString: config) + " core=" + core
    }
}

/// Runs `body` over `0..<count` split into contiguous chunks, on up to ``ComputeThreads/count`` threads.
///
/// Work below `2 * minimumChunk` items runs inline on the caller's thread. Each chunk is computed
/// exactly as a serial loop would, so results do not depend on the thread count. Chunks go to VLBlocks'
/// worker pool (workers poll briefly between jobs, so a chain of short regions does not pay a wake-up each);
/// when the pool is busy with another caller's job they go to Dispatch instead.
public func parallelChunks(count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
    let threads = ComputeThreads.count
    runChunks(count: count, chunks: Swift.min(threads, count / Swift.max(minimumChunk, 1)), threads: threads, body)
}

/// Runs `body(i)` for each `i` in `0..<count` on up to ``ComputeThreads/count`` threads, handing out one index
/// at a time: a thread that finishes early (or a worker that starts late) takes the next index, so uneven
/// tasks and a briefly descheduled thread do not leave the others waiting. Use it for a few to a few hundred
/// tasks of some microseconds each or more (GEMM panel blocks, attention heads).
public func parallelTasks(count: Int, _ body: (Int) -> Void) {
    let threads = ComputeThreads.count
    // One index per chunk (the pool counts chunks in 16 bits; beyond that, chunks of two or more).
    runChunks(count: count, chunks: threads > 1 ? Swift.min(count, 0xFFFF) : 1, threads: threads) { range in
        range.forEach(body)
    }
}

/// `body` over `0..<count` cut into `chunks` contiguous ranges, on the pool (or Dispatch when the pool is busy).
private func runChunks(count: Int, chunks: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        // The chunks write disjoint ranges; the closure itself is only called during this scope.
        nonisolated(unsafe) let work = escapable
        var job = ChunkedJob(count: count, chunks: chunks, body: work)
        let pooled = withUnsafeMutablePointer(to: &job) { pointer in
            vlb_parallel_run(chunks, Int32(clamping: threads), { context, chunk in
                context!.assumingMemoryBound(to: ChunkedJob.self).pointee.run(chunk)
            }, pointer)
        }
        if pooled == 0 {
            nonisolated(unsafe) let fallback = job
            DispatchQueue.concurrentPerform(iterations: chunks) { fallback.run($0) }
        }
    }
}

/// One parallel call as the pool's C callback sees it.
private struct ChunkedJob {
    let count: Int
    let chunks: Int
    let body: (Range<Int>) -> Void

    func run(_ chunk: Int) {
        body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
}
