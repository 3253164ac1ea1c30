internal import CVLBlocksBLAS
internal import CVLBlocksKernels
import Dispatch
import Foundation
import Synchronization

/// The number of threads VLBlocks computes with.
///
/// VLBlocks parallelises itself: GEMMs are split into column (or row) blocks, attention runs its heads
/// side by side, and norms, softmax and activations split their rows, all on this many threads. Each
/// block is one single-threaded OpenBLAS call: VLBlocks sets OpenBLAS' own pool to one thread on first
/// use, so no BLAS worker spins between calls and competes for the cores (which costs ~10% on a
/// 2-core machine), and concurrent calls from many tasks do not oversubscribe the machine.
///
/// The default is every core the process may use. Set it once at start-up, e.g. for a server that
/// runs several models side by side, or for one piece of work (the image encoder of a pipeline, one
/// request) without touching the rest of the process:
/// ```swift
/// ComputeThreads.set(2)                                    // process-wide
/// let out = try ComputeThreads.withCount(1) { try tower.encode(pixels) }   // this task only
/// ```
public enum ComputeThreads {
    private static let current = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)
    @TaskLocal private static var scoped: Int?

    /// The thread count in effect: the innermost ``withCount(_:_:)`` of the current task, else the
    /// process-wide value.
    public static var count: Int { scoped ?? current.load(ordering: .relaxed) }

    /// Sets the process-wide thread count for VLBlocks' kernels (values below 1 count as 1).
    public static func set(_ threads: Int) {
        _ = blasConfigured
        current.store(Swift.max(1, threads), ordering: .relaxed)
    }

    /// Runs `body` with `threads` threads for VLBlocks' kernels called from it (on this task), leaving the
    /// process-wide count and other tasks alone. Values below 1 count as 1.
    public static func withCount<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        _ = blasConfigured
        return try $scoped.withValue(Swift.max(1, threads), operation: body)
    }

    /// The `async` form of ``withCount(_:_:)``.
    public static func withCount<R>(_ threads: Int, isolation: isolated (any Actor)? = #isolation,
                                    _ body: () async throws -> R) async rethrows -> R {
        _ = blasConfigured
        return try await $scoped.withValue(Swift.max(1, threads), operation: body, isolation: isolation)
    }

    /// Puts OpenBLAS in single-threaded mode, once, before the first BLAS call.
    static let blasConfigured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

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
