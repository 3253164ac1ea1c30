import Benchmark
import CBenchBLAS
import Foundation
import VLCore

// Core kernels at ViT shapes, through VLBlocks' public API (tensor operations and the Linear module; each call
// allocates its result tensor). GEMM reports GFLOP/s through a custom metric; memory-bound kernels report GB/s
// (bytes read + written per second).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 200
    )
    let threads = Int(ProcessInfoThreads.value) ?? ComputeThreads.count
    ComputeThreads.set(threads)

    // GEMM at ViT-B/16 shapes: tokens x width x width (qkv/out projections) and MLP widths.
    for (m, n, k, name) in [(197, 768, 768, "197x768x768"), (197, 3072, 768, "197x3072x768"), (197, 768, 3072, "197x768x3072"),
                             (1576, 768, 768, "1576x768x768 (batch 8)"), (577, 1024, 1024, "577x1024x1024 (L/14 336)")] {
        let a = [Float](repeating: 0.5, count: m * k), w = [Float](repeating: 0.25, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2 * m * n * k
        let input = try! Tensor(shape: [m, k], scalars: a), weight = try! Tensor(shape: [n, k], scalars: w)
        Benchmark("GEMM \(name) VLBlocks Tensor.linear (OpenBLAS)", configuration: .init(metrics: [.wallClock, gflopsPerSecond])) { benchmark in
            let seconds = timed(benchmark) { _ = try! input.linear(weight: weight) }
            benchmark.measurement(gflopsPerSecond, Int(Double(flops * benchmark.scaledIterations.count) / seconds / 1e9))
        }
        let packed = try! Linear(weight: weight, bias: nil, packing: true)
        Benchmark("GEMM \(name) VLBlocks Linear (packed)", configuration: .init(metrics: [.wallClock, gflopsPerSecond])) { benchmark in
            let seconds = timed(benchmark) { _ = try! packed(input) }
            benchmark.measurement(gflopsPerSecond, Int(Double(flops * benchmark.scaledIterations.count) / seconds / 1e9))
        }
        Benchmark("GEMM \(name) raw cblas_sgemm", configuration: .init(metrics: [.wallClock, gflopsPerSecond])) { benchmark in
            // The baseline gets OpenBLAS' own threading with the same thread count (VLBlocks keeps OpenBLAS at one
            // thread and splits the product itself).
            ComputeThreads.setBLASThreading(.unmanaged)
            openblas_set_num_threads(Int32(threads))
            defer { openblas_set_num_threads(1); ComputeThreads.setBLASThreading(.scoped) }
            let seconds = timed(benchmark) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(k), 1, a, blasint(k), w,
                            blasint(k), 0, &c, blasint(n))
            }
            benchmark.measurement(gflopsPerSecond, Int(Double(flops * benchmark.scaledIterations.count) / seconds / 1e9))
        }
    }

    let rows = 197, width = 768
    let x = Tensor.uniform(shape: [rows, width], scale: 1.4, seed: 1)
    let gamma = Tensor(shape: [width], repeating: 1), beta = Tensor(shape: [width])
    Benchmark("LayerNorm 197x768", configuration: .init(metrics: [.wallClock, gigabytesPerSecond])) { benchmark in
        let seconds = timed(benchmark) { _ = try! x.layerNorm(weight: gamma, bias: beta, epsilon: 1e-6) }
        benchmark.measurement(gigabytesPerSecond, Int(Double(2 * rows * width * 4 * benchmark.scaledIterations.count) / seconds / 1e9))
    }
    let scores = Tensor.uniform(shape: [12, 197, 197], scale: 6, seed: 2)
    Benchmark("Softmax 12x197x197", configuration: .init(metrics: [.wallClock, gigabytesPerSecond])) { benchmark in
        let seconds = timed(benchmark) { _ = try! scores.softmax() }
        benchmark.measurement(gigabytesPerSecond, Int(Double(2 * scores.count * 4 * benchmark.scaledIterations.count) / seconds / 1e9))
    }
    let hidden = Tensor.uniform(shape: [197, 3072], seed: 3)
    for activation in [Activation.gelu, .geluTanh, .quickGELU] {
        Benchmark("\(activation.rawValue) 197x3072", configuration: .init(metrics: [.wallClock, gigabytesPerSecond])) { benchmark in
            let seconds = timed(benchmark) { _ = hidden.activated(activation) }
            benchmark.measurement(gigabytesPerSecond, Int(Double(2 * hidden.count * 4 * benchmark.scaledIterations.count) / seconds / 1e9))
        }
    }
}

/// Throughput of one sample, measured around its iterations.
let gflopsPerSecond = BenchmarkMetric.custom("GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
let gigabytesPerSecond = BenchmarkMetric.custom("GB/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `body` for every scaled iteration and returns the elapsed seconds.
func timed(_ benchmark: Benchmark, _ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in benchmark.scaledIterations { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// `VLBLOCKS_THREADS` overrides the thread count (default: every core).
enum ProcessInfoThreads {
    static var value: String { ProcessInfo.processInfo.environment["VLBLOCKS_THREADS"] ?? "" }
}
