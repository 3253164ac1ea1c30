import Foundation
import Testing
import VLConnectors
import VLCore
import VLFeatureMixing
import VLTestSupport
import VLTransformer

/// One model serving many concurrent requests: 8 tasks x many iterations, every output compared bit for bit
/// with the serial result. CI also runs this suite under ThreadSanitizer
/// (`swift test --sanitize=thread --filter Concurrency`).
@Suite struct ConcurrencyTests {
    static let tasks = 8
    static let iterations = 12

    /// The worker pool takes one job at a time; concurrent and nested callers fall back to Dispatch. Every index
    /// must run exactly once either way, and every chunk must cover its range.
    @Test("parallelTasks and parallelChunks run every index once, from 8 tasks at once and nested")
    func pool() async {
        /// For each index: 100 x (tasks that ran it) + 10 x (nested sub-chunks that ran, of 4, or 1 if not nested)
        /// + (chunks that covered it). Every index must read 111.
        func visits(_ count: Int, nested: Bool) -> [Int] {
            let tasks = UnsafeMutablePointer<Int>.allocate(capacity: count)
            let inner = UnsafeMutablePointer<Int>.allocate(capacity: 4 * count)
            let chunked = UnsafeMutablePointer<Int>.allocate(capacity: count)
            tasks.initialize(repeating: 0, count: count)
            inner.initialize(repeating: 0, count: 4 * count)
            chunked.initialize(repeating: 0, count: count)
            defer { tasks.deallocate(); inner.deallocate(); chunked.deallocate() }
            parallelTasks(count: count) { i in
                if nested {
                    parallelChunks(count: 4, minimumChunk: 1) { range in
                        for j in range { inner[4 * i + j] += 1 }
                    }
                } else {
                    for j in 0..<4 { inner[4 * i + j] = 1 }
                }
                tasks[i] += 1
            }
            parallelChunks(count: count, minimumChunk: 7) { range in
                for i in range { chunked[i] += 1 }
            }
            return (0..<count).map { i in
                let sub = (0..<4).allSatisfy { inner[4 * i + $0] == 1 } ? 1 : 0
                return 100 * tasks[i] + 10 * sub + chunked[i]
            }
        }
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    ComputeThreads.withCount(3) {
                        var good = true
                        for iteration in 0..<40 {
                            let count = 1 + (task * 41 + iteration * 13) % 300
                            good = good && visits(count, nested: iteration % 3 == 0) == Array(repeating: 111, count: count)
                        }
                        return good
                    }
                }
            }
            for await good in group { #expect(good) }
        }
    }

    @Test("An encoder called from 8 tasks gives the serial result every time")
    func encoder() async throws {
        let tower = try VisionTower.load(directory: Fixtures.path("encoders/dinov2_registers_sharded"))
        let pixels = try Fixtures.open("encoders/dinov2_registers_sharded/io")["pixel_values_64x40"]
        let expected = try tower.encode(pixels, hiddenStates: true)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.tasks {
                group.addTask {
                    var same = true
                    for _ in 0..<Self.iterations {
                        let output = try tower.encode(pixels, hiddenStates: true)
                        same = same && output.lastHiddenState.scalars == expected.lastHiddenState.scalars
                            && output.poolerOutput!.scalars == expected.poolerOutput!.scalars
                            && output.hiddenStates!.last!.scalars == expected.hiddenStates!.last!.scalars
                    }
                    return same
                }
            }
            for try await same in group { #expect(same) }
        }
    }

    @Test("Connectors and mixtures called from 8 tasks give the serial result every time", arguments: ["c_abs", "attn_pool", "i_mof"])
    func connectors(name: String) async throws {
        let folder = Fixtures.path("connectors/\(name)")
        let projector = try Projector.load(try ProjectorConfiguration(contentsOf: folder + "/config.json"),
                                           weights: try SafeTensorsFile(path: folder + "/weights.safetensors"))
        let io = try SafeTensorsFile(path: folder + "/io.safetensors")
        var inputs: [String: Tensor] = [:]
        for input in projector.inputNames { inputs[input] = try io[input] }
        let frozen = inputs
        let expected = try projector(frozen).scalars
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.tasks {
                group.addTask {
                    var same = true
                    for _ in 0..<Self.iterations {
                        let tokens = try projector(frozen)
                        same = same && tokens.scalars == expected
                    }
                    return same
                }
            }
            for try await same in group { #expect(same) }
        }
    }

    @Test("Tensors shared across tasks copy on write")
    func copyOnWrite() async {
        let shared = Tensor(shape: [1024], repeating: 1)
        await withTaskGroup(of: Float.self) { group in
            for i in 0..<Self.tasks {
                group.addTask {
                    var local = shared
                    local.withUnsafeMutableBufferPointer { for j in $0.indices { $0[j] = Float(i + 2) } }
                    return local.scalars.reduce(0, +)
                }
            }
            var sums: [Float] = []
            for await sum in group { sums.append(sum) }
            // Each task saw only its own writes: the sums are 1024 x (2 ... 9), each once.
            #expect(sums.sorted() == (0..<Self.tasks).map { Float(1024 * ($0 + 2)) })
        }
        #expect(shared.scalars.allSatisfy { $0 == 1 })
    }
}

/// VLBlocks runs OpenBLAS single-threaded only while its own products run: whenever none runs, OpenBLAS has the
/// host's thread count again.
@Suite struct BLASThreadingTests {
    @Test("OpenBLAS' thread count is one inside VLBlocks' products and the host's outside them")
    func scopedThreadCount() async throws {
        #expect(ComputeThreads.blasThreading == .scoped)
        #expect(ComputeThreads.withSingleThreadedBLAS { ComputeThreads.blasSnapshot().current } == 1)
        let a = Tensor.uniform(shape: [4, 96, 128], seed: 1), b = Tensor.uniform(shape: [4, 128, 80], seed: 2)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { for _ in 0..<20 { _ = try? a.matmul(b) } } }
        }
        // Other suites run products too: wait for a moment when none runs, then the host's count must be back.
        var snapshot = ComputeThreads.blasSnapshot()
        for _ in 0..<2000 where snapshot.running > 0 {
            try await Task.sleep(for: .milliseconds(5))
            snapshot = ComputeThreads.blasSnapshot()
        }
        #expect(snapshot.running == 0)
        #expect(snapshot.current == snapshot.saved || snapshot.saved == 0, "OpenBLAS left at \(snapshot.current) threads, host had \(snapshot.saved)")
        #expect(snapshot.current >= 1)
    }
}
