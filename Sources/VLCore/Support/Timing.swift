import Dispatch

/// Wall-clock timings of repeated runs after warm-up, for benchmarks and studies (milliseconds).
public struct Timing: Sendable {
    public var samples: [Double]

    public init(samples: [Double]) { self.samples = samples }

    public var minimum: Double { samples.min() ?? .nan }
    public var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs `body` `warmup` times untimed, then `runs` times timed.
    public static func measure(runs: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmup { try body() }
        var samples: [Double] = []
        for _ in 0..<max(runs, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return Timing(samples: samples)
    }
}

extension Tensor {
    /// A tensor of uniform values in `[-scale, scale)`, deterministic per seed: inputs for benchmarks and studies.
    public static func uniform(shape: [Int], scale: Float = 1, seed: UInt64) -> Tensor {
        RandomTensor.make(shape: shape, initializer: .random(std: scale / Float(3).squareRoot()), seed: seed, path: "uniform")
    }
}
