import Foundation
import Testing
import VLCore

/// Accuracy of the vectorised elementary functions against Double-precision libm, in ulp of fp32.
@Suite struct VectorMathTests {
    /// Distance in units in the last place between a Float and the correctly rounded Double.
    static func ulps(_ value: Float, _ exact: Double) -> Double {
        let rounded = Float(exact)
        if value == rounded { return 0 }
        let ulp = Double(max(rounded.ulp, Float.leastNormalMagnitude.ulp))
        return abs(Double(value) - exact) / ulp
    }

    static func sweep(_ range: ClosedRange<Float>, count: Int = 200_003) -> [Float] {
        (0..<count).map { range.lowerBound + (range.upperBound - range.lowerBound) * Float($0) / Float(count - 1) }
    }

    static func evaluate(_ inputs: [Float], _ f: (Float8) -> Float8) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(inputs.count + 8)
        var i = 0
        while i < inputs.count {
            var v = Float8(repeating: 0)
            for lane in 0..<8 where i + lane < inputs.count { v[lane] = inputs[i + lane] }
            let r = f(v)
            for lane in 0..<8 where i + lane < inputs.count { out.append(r[lane]) }
            i += 8
        }
        return out
    }

    @Test("exp is within 2 ulp on [-87, 88]")
    func expAccuracy() {
        let xs = Self.sweep(-87...88)
        let ys = Self.evaluate(xs, VectorMath.exp)
        let worst = zip(xs, ys).map { Self.ulps($1, Foundation.exp(Double($0))) }.max()!
        #expect(worst <= 2, "worst exp error \(worst) ulp")
        #expect(VectorMath.exp(Float8(repeating: -100))[0] == 0)
        #expect(VectorMath.exp(Float8(repeating: -.infinity))[0] == 0)
        #expect(VectorMath.exp(Float8(repeating: .nan))[0].isNaN)
        #expect(VectorMath.exp(Float8(repeating: 0))[0] == 1)
    }

    @Test("tanh is within 3 ulp on [-10, 10]")
    func tanhAccuracy() {
        let xs = Self.sweep(-10...10) + Self.sweep(-1e-3...1e-3, count: 10_001)
        let ys = Self.evaluate(xs, VectorMath.tanh)
        let worst = zip(xs, ys).map { Self.ulps($1, Foundation.tanh(Double($0))) }.max()!
        #expect(worst <= 3, "worst tanh error \(worst) ulp")
        #expect(VectorMath.tanh(Float8(repeating: 50))[0] == 1)
        #expect(VectorMath.tanh(Float8(repeating: -50))[0] == -1)
    }

    @Test("erf is within 3 ulp and 2e-7 absolute on [-6, 6]")
    func erfAccuracy() {
        let xs = Self.sweep(-6...6) + Self.sweep(-1e-3...1e-3, count: 10_001)
        let ys = Self.evaluate(xs, VectorMath.erf)
        var worstUlp = 0.0, worstAbsolute = 0.0
        for (x, y) in zip(xs, ys) {
            let exact = Foundation.erf(Double(x))
            worstAbsolute = max(worstAbsolute, abs(Double(y) - exact))
            worstUlp = max(worstUlp, Self.ulps(y, exact))
        }
        #expect(worstUlp <= 3, "worst erf error \(worstUlp) ulp")
        #expect(worstAbsolute <= 2e-7, "worst erf absolute error \(worstAbsolute)")
    }

    @Test("The active buffer path (AVX2 + FMA when available) meets the same bounds", arguments: VectorKernels.Function.allCases)
    func bufferPath(function: VectorKernels.Function) {
        let xs: [Float] = switch function {
        case .exp: Self.sweep(-87...88)
        case .erf: Self.sweep(-6...6) + Self.sweep(-1e-3...1e-3, count: 10_001)
        case .tanh: Self.sweep(-10...10) + Self.sweep(-1e-3...1e-3, count: 10_001)
        }
        var ys = [Float](repeating: 0, count: xs.count)
        VectorKernels.evaluate(function, xs, output: &ys, count: xs.count)
        let exact: (Double) -> Double = switch function {
        case .exp: { Foundation.exp($0) }
        case .erf: { Foundation.erf($0) }
        case .tanh: { Foundation.tanh($0) }
        }
        let bound: Double = function == .exp ? 2 : 3
        let worst = zip(xs, ys).map { Self.ulps($1, exact(Double($0))) }.max()!
        #expect(worst <= bound, "\(function) (accelerated: \(VectorKernels.isAccelerated)): worst \(worst) ulp")
    }

    @Test("sigmoid is within 1e-7 absolute")
    func sigmoidAccuracy() {
        let xs = Self.sweep(-30...30)
        let ys = Self.evaluate(xs, VectorMath.sigmoid)
        let worst = zip(xs, ys).map { abs(Double($1) - 1 / (1 + Foundation.exp(-Double($0)))) }.max()!
        #expect(worst <= 1e-7)
    }
}
