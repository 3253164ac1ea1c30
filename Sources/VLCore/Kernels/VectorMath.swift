/// Eight fp32 lanes: the vector width of VLBlocks' portable kernels.
public typealias Float8 = SIMD8<Float>

/// Vectorised elementary functions on eight fp32 lanes, with no libm call (the portable Swift versions;
/// ``VectorKernels`` runs AVX2 + FMA versions of the same algorithms where the CPU has them).
///
/// Accuracy is measured against the Double-precision libm functions over dense sweeps in
/// `VectorMathTests`: `exp` within 2 ulp on [-87, 88], `tanh` within 3 ulp on [-10, 10], `erf` within 3 ulp
/// on [-6, 6] (absolute error below 2e-7).
public enum VectorMath {
    /// Natural exponential. Inputs below -87.3 return 0, above 88.37 are clamped (the result then is
    /// about 2.4e38 rather than the true value), NaN propagates.
    @inlinable @inline(__always)
    public static func exp(_ input: Float8) -> Float8 {
        // Range reduction x = n ln2 + r with |r| <= ln2 / 2, then exp(r) by a degree-6 polynomial
        // (Cephes' expf coefficients) and 2^n assembled in the exponent bits.
        var x = input
        x.replace(with: -87.33654, where: x .< -87.33654)
        x.replace(with: 88.37626, where: x .> 88.37626)
        let magic = Float8(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
        let shifted = x * Float8(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        var r = x - n * Float8(repeating: 0.693_359_375)
        r = r - n * Float8(repeating: -2.121_944_4e-4)
        var p = Float8(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: Float8.self)
        var result = y * scale
        result.replace(with: 0, where: input .< -87.33654)
        result.replace(with: input, where: input .!= input)
        return result
    }

    /// Error function in two pieces, both fitted for VLBlocks on Chebyshev nodes against 40-digit
    /// reference values: `x P(x^2)` for |x| <= 1 (P of degree 6), and `1 - exp(-x^2) Q(|x|)` for
    /// 1 < |x| <= 4 (Q of degree 10 approximating `erfc(x) exp(x^2)`); erf is +-1 in fp32 beyond 4.
    @inlinable @inline(__always)
    public static func erf(_ input: Float8) -> Float8 {
        let signBits = unsafeBitCast(input, to: SIMD8<UInt32>.self) & 0x8000_0000
        var a = unsafeBitCast(unsafeBitCast(input, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
        a.replace(with: 4, where: a .> 4)
        let u = a * a
        var p = Float8(repeating: 7.847_259_257_687_256e-05)
        p = p * u + -8.008_189_033_716_917e-4
        p = p * u + 5.188_099_108_636_379e-3
        p = p * u + -2.685_369_178_652_763_4e-2
        p = p * u + 1.128_358_244_895_935e-1
        p = p * u + -3.761_262_595_653_534e-1
        p = p * u + 1.128_379_106_521_606_4
        let small = a * p
        var q = Float8(repeating: 1.498_133_883_615_082_6e-06)
        q = q * a + -4.378_752_782_940_864_6e-05
        q = q * a + 5.791_864_241_473_377e-4
        q = q * a + -4.594_380_967_319_012e-3
        q = q * a + 2.443_690_039_217_472e-2
        q = q * a + -9.241_911_768_913_269e-2
        q = q * a + 2.575_692_832_469_94e-1
        q = q * a + -5.418_151_617_050_171e-1
        q = q * a + 8.737_412_691_116_333e-1
        q = q * a + -1.082_139_968_872_070_3
        q = q * a + 9.922_678_470_611_572e-1
        let large = 1 - exp(-u) * q
        let magnitude = small.replacing(with: large, where: a .> 1)
        var result = unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | signBits, to: Float8.self)
        result.replace(with: input, where: input .!= input)
        return result
    }

    /// Hyperbolic tangent: an odd polynomial for |x| < 0.625 (no cancellation near zero),
    /// `1 - 2 / (exp(2|x|) + 1)` with the sign restored elsewhere.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float8) -> Float8 {
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let z = x * x
        var p = Float8(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z + -5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z + -3.333_328_194_22e-1
        let small = p * z * x + x
        var limited = magnitude
        limited.replace(with: 10, where: limited .> 10)
        let e = exp(limited * 2)
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        var result = small.replacing(with: large, where: magnitude .>= 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// Logistic sigmoid `1 / (1 + exp(-x))`.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float8) -> Float8 {
        1 / (1 + exp(-x))
    }
}

extension SIMD8 where Scalar == Float {
    /// Loads eight scalars from `pointer` (no alignment needed).
    @inlinable @inline(__always)
    package static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    /// Stores eight scalars at `pointer` (no alignment needed).
    @inlinable @inline(__always)
    package func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    /// Loads `count` (< 8) scalars, filling the other lanes with `fill`.
    @inlinable @inline(__always)
    package static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int, fill: Float = 0) -> Self {
        var v = Self(repeating: fill)
        for i in 0..<count { v[i] = pointer[i] }
        return v
    }

    /// Stores the first `count` (< 8) lanes.
    @inlinable @inline(__always)
    package func storePartial(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { pointer[i] = self[i] }
    }
}
