import Testing
import VLCore
import VLTestSupport
import VLTesting

/// The int8 linear layer (`QuantizedWeight`, `int8_gemm.c`): exact int32 sums on both kernel paths (AVX2 and
/// portable), serial and split across threads, odd shapes and worst-case operands; the scales, bias, residual and
/// activation of the epilogue; k beyond one block.
@Suite struct Int8KernelTests {
    /// How a product runs: AVX2 kernels or the portable C loop, on one thread or split across two.
    enum Path: String, CaseIterable, CustomStringConvertible {
        case avx2, avx2Parallel, portable
        var description: String { rawValue }
        func run<R>(_ body: () throws -> R) rethrows -> R {
            switch self {
            case .avx2:
                return try PackedWeight.$parallelThreshold.withValue(.max) { try body() }
            case .avx2Parallel:
                return try ComputeThreads.withCount(2) { try PackedWeight.$parallelThreshold.withValue(0) { try body() } }
            case .portable:
                return try QuantizedWeight.$prefersPortableKernel.withValue(true) { try PackedWeight.$parallelThreshold.withValue(0) { try body() } }
            }
        }
    }

    /// Integer-valued rows, each holding ±range somewhere (weights: 127, activations: 4095), so every scale is exactly
    /// 1 and quantisation is the identity.
    static func integerMatrix(rows: Int, columns: Int, range: Int, seed: UInt64, extreme: Bool) -> [[Int]] {
        var random = TestRandom(seed: seed)
        return (0..<rows).map { r in
            (0..<columns).map { c in
                if extreme { return (r + c) % 3 == 0 ? -range : range }
                if c == (r * 7) % columns { return r % 2 == 0 ? range : -range }
                return Int((random.next() * Float(range)).rounded())
            }
        }
    }

    static func tensor(_ matrix: [[Int]]) -> Tensor {
        try! Tensor(shape: [matrix.count, matrix.first?.count ?? 0], scalars: matrix.flatMap { $0.map(Float.init) })
    }

    /// The largest sums (all operands ±4095 and ±127 over a whole k block of 3072) pass 2^24, where fp32 rounds: the
    /// kernel converts each exact int32 sum once, as `Float(sum)` rounds the int64 reference.
    @Test("int32 sums equal an int64 reference exactly", arguments: Path.allCases, [
        (m: 1, k: 1, n: 1, extreme: false), (m: 7, k: 33, n: 17, extreme: false), (m: 13, k: 1001, n: 50, extreme: false),
        (m: 6, k: 2, n: 16, extreme: false), (m: 25, k: 999, n: 31, extreme: false), (m: 19, k: 1001, n: 37, extreme: true),
        (m: 7, k: 3072, n: 18, extreme: true), (m: 5, k: 3071, n: 16, extreme: false),
    ])
    func exactSums(path: Path, shape: (m: Int, k: Int, n: Int, extreme: Bool)) throws {
        let x = Self.integerMatrix(rows: shape.m, columns: shape.k, range: 4095, seed: 1, extreme: shape.extreme)
        let w = Self.integerMatrix(rows: shape.n, columns: shape.k, range: 127, seed: 2, extreme: shape.extreme)
        let layer = try Linear(weight: Self.tensor(w), bias: nil, precision: .int8)
        #expect(layer.precision == .int8)
        let y = try path.run { try layer(Self.tensor(x)) }
        var mismatches = 0
        for r in 0..<shape.m {
            for c in 0..<shape.n {
                var sum: Int64 = 0
                for kk in 0..<shape.k { sum += Int64(x[r][kk]) * Int64(w[c][kk]) }
                if Float(sum) != y[r, c] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(shape.m * shape.n) sums differ (\(path), \(shape))")
    }

    /// The quantised product in Double: per-row (±4095) and per-channel (±127) scales, values rounded half to even.
    static func reference(_ x: Tensor, _ w: Tensor, bias: Tensor?, residual: Tensor?) -> [Double] {
        let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
        func quantized(_ t: Tensor, row: Int, range: Float) -> (values: [Double], scale: Double) {
            let values = (0..<k).map { t[row, $0] }
            let largest = values.map(abs).max() ?? 0
            let scale = largest / range, inverse: Float = largest > 0 ? range / largest : 0
            return (values.map { Double(max(-range, min(range, ($0 * inverse).rounded(.toNearestOrEven)))) }, Double(scale))
        }
        let rows = (0..<m).map { quantized(x, row: $0, range: 4095) }, columns = (0..<n).map { quantized(w, row: $0, range: 127) }
        var out = [Double](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n {
                var sum = 0.0
                for kk in 0..<k { sum += rows[r].values[kk] * columns[c].values[kk] }
                out[r * n + c] = Double(residual?[r, c] ?? 0) + Double(bias?[c] ?? 0) + sum * rows[r].scale * columns[c].scale
            }
        }
        return out
    }

    @Test("Scales, bias and residual as the quantised product in Double; k past one block", arguments: Path.allCases, [
        (m: 9, k: 70, n: 40), (m: 7, k: 4099, n: 33),
    ])
    func epilogue(path: Path, shape: (m: Int, k: Int, n: Int)) throws {
        var random = TestRandom(seed: 3)
        let x = random.tensor([shape.m, shape.k], scale: 2), w = random.tensor([shape.n, shape.k], scale: 0.1)
        let bias = random.tensor([shape.n]), residual = random.tensor([shape.m, shape.n])
        let layer = try Linear(weight: w, bias: bias, precision: .int8)
        var y = residual
        path.run {
            x.withUnsafeBufferPointer { input in
                y.withUnsafeMutableBufferPointer { output in
                    layer.apply(input.baseAddress!, rows: shape.m, output: output.baseAddress!, accumulate: true)
                }
            }
        }
        let expected = Self.reference(x, w, bias: bias, residual: residual).map(Float.init)
        expectClose(y.scalars, expected, rtol: 1e-5, atol: 1e-5, "\(path) \(shape)")
        // And close to the fp32 layer: what int8 costs in accuracy on random data.
        let exact = try Linear(weight: w, bias: bias, packing: false)(x).scalars
        let cosine = TensorComparison(try Tensor(shape: [shape.m * shape.n], scalars: y.scalars.enumerated().map { $1 - residual.scalars[$0] }),
                                      try Tensor(shape: [shape.m * shape.n], scalars: exact)).cosine
        #expect(cosine > 0.999, "cosine \(cosine) to fp32")
    }

    @Test("The activation is applied in the epilogue as the fp32 layer applies it", arguments: Path.allCases)
    func activation(path: Path) throws {
        var random = TestRandom(seed: 4)
        let x = random.tensor([11, 48]), w = random.tensor([32, 48], scale: 0.3)
        let layer = try Linear(weight: w, bias: nil, precision: .int8)
        var plain = Tensor(shape: [11, 32]), activated = Tensor(shape: [11, 32])
        path.run {
            x.withUnsafeBufferPointer { input in
                plain.withUnsafeMutableBufferPointer { layer.apply(input.baseAddress!, rows: 11, output: $0.baseAddress!) }
                activated.withUnsafeMutableBufferPointer {
                    layer.apply(input.baseAddress!, rows: 11, output: $0.baseAddress!, activation: .gelu)
                }
            }
        }
        expectClose(activated, plain.activated(.gelu), rtol: 1e-6, atol: 1e-6, "\(path)")
    }

    @Test("Dequantised weights are what the integers stand for; zero rows stay zero")
    func dequantized() throws {
        var random = TestRandom(seed: 5)
        var w = random.tensor([20, 35])
        for c in 0..<35 { w[3, c] = 0 }
        let layer = try Linear(weight: w, bias: nil, precision: .int8)
        let back = layer.weight
        #expect(back.shape == [20, 35])
        expectClose(back, w, rtol: 0, atol: 1.0 / 127 / 2 * 1.0001)  // half a step of the largest |w| = 1
        #expect((0..<35).allSatisfy { back[3, $0] == 0 })
        let y = try layer(random.tensor([4, 35]))
        #expect((0..<4).allSatisfy { y[$0, 3] == 0 })
    }
}
