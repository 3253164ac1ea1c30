import Benchmark
import Foundation
import VLBlocks

// Encoders and connectors at the sizes the issues name, with random weights (speed does not depend on them).
// Thread count: VLBLOCKS_THREADS (default: every core). Peers for the same cases: ../shared/peers/vit.py and
// connectors.py, or Tools/performance/compare_with_peers.py for ratios in one run.
let benchmarks: @Sendable () -> Void = {
    let threads = Int(ProcessInfo.processInfo.environment["VLBLOCKS_THREADS"] ?? "") ?? ComputeThreads.count
    ComputeThreads.set(threads)
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(20),
        maxIterations: 10
    )

    for (name, resolution, batch) in [("clip-vit-b16", 224, 1), ("clip-vit-b16", 224, 8), ("clip-vit-l14-336", 336, 1)] {
        Benchmark("encoder \(name) @ \(resolution) px, batch \(batch), \(threads) threads") { benchmark in
            let tower = try VisionTower.random(try VisionPreset.named(name))
            let pixels = Tensor(shape: [batch, 3, resolution, resolution], repeating: 0.1)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try tower(pixels)) }
        }
    }

    let grid = 24, dv = 1024, dl = 4096
    let features = Tensor(shape: [1, grid * grid, dv], repeating: 0.1)
    let cases: [(String, any ConnectorConfiguration)] = ConnectorStudy.connectors.flatMap { name in
        ConnectorStudy.tokenCounts(for: name, requested: [64, 144], inputTokens: grid * grid).map { t in
            ("\(name) T=\(t)", try! ConnectorStudy.configuration(name, encoderWidth: dv, outputWidth: dl, tokens: t))
        }
    }
    for (name, configuration) in cases {
        Benchmark("connector \(name), 24x24 x 1024 -> 4096, \(threads) threads") { benchmark in
            let connector = try configuration.randomConnector(inputTokens: grid * grid)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try connector(features)) }
        }
    }
}
