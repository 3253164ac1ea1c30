import Foundation

/// How far `actual` is from `expected`, judged as `torch.testing.assert_close` judges it: an element passes when
/// `|a - b| <= atol + rtol · |b|` (`b` the expected value), NaN matches NaN, equal infinities match.
///
/// The report gives the maximum absolute and relative errors, the cosine similarity, the largest distance in units in
/// the last place (ULP), and the element with the largest absolute error (its index and both values).
public struct TensorComparison: Sendable, CustomStringConvertible {
    public let actualShape: [Int]
    public let expectedShape: [Int]
    public let relativeTolerance: Float
    public let absoluteTolerance: Float
    /// `max |a - b|` (infinite when a NaN meets a number or the shapes differ).
    public let maxAbsoluteError: Float
    /// `max |a - b| / |b|` over the elements (`|b|` no smaller than the least normal float).
    public let maxRelativeError: Float
    /// `a · b / (|a| |b|)` in Double; 1 when both are all zeros.
    public let cosine: Double
    /// The largest number of representable floats between two corresponding elements.
    public let maxULPDistance: UInt32
    /// The multi-index of the largest absolute error (empty when the shapes differ or the tensors are empty).
    public let worstIndex: [Int]
    public let worstActual: Float
    public let worstExpected: Float
    /// Elements outside the tolerance.
    public let mismatchedCount: Int
    public let count: Int

    /// Whether the shapes are equal and every element is within the tolerance.
    public var passed: Bool { actualShape == expectedShape && mismatchedCount == 0 }

    /// Compares with `torch.testing.assert_close`'s float32 defaults unless told otherwise (`rtol` 1.3e-6, `atol` 1e-5).
    public init(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1.3e-6, atol: Float = 1e-5) {
        actualShape = actual.shape
        expectedShape = expected.shape
        relativeTolerance = rtol
        absoluteTolerance = atol
        count = expected.count
        guard actual.shape == expected.shape else {
            (maxAbsoluteError, maxRelativeError, cosine, maxULPDistance) = (.infinity, .infinity, .nan, .max)
            (worstIndex, worstActual, worstExpected, mismatchedCount) = ([], .nan, .nan, max(actual.count, expected.count))
            return
        }
        let a = actual.scalars, b = expected.scalars
        var maxAbsolute: Float = 0, maxRelative: Float = 0, maxULP: UInt32 = 0
        var worst = -1, mismatched = 0
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in b.indices {
            let x = a[i], y = b[i]
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }  // equal values, equal infinities
            let difference = x.isNaN || y.isNaN ? Float.infinity : abs(x - y)
            if !(difference <= atol + rtol * abs(y)) { mismatched += 1 }
            if worst < 0 || difference > maxAbsolute || difference.isNaN {
                maxAbsolute = difference.isNaN ? .infinity : difference
                worst = i
            }
            maxRelative = max(maxRelative, difference / max(abs(y), Float.leastNormalMagnitude))
            maxULP = max(maxULP, Self.ulpDistance(x, y))
        }
        maxAbsoluteError = maxAbsolute
        maxRelativeError = maxRelative
        maxULPDistance = maxULP
        cosine = normA == 0 && normB == 0 ? 1 : dot / (normA.squareRoot() * normB.squareRoot())
        mismatchedCount = mismatched
        if worst >= 0 {
            worstIndex = Self.multiIndex(worst, shape: expected.shape)
            worstActual = a[worst]
            worstExpected = b[worst]
        } else {
            worstIndex = expected.shape.isEmpty || b.isEmpty ? [] : Self.multiIndex(0, shape: expected.shape)
            worstActual = a.first ?? 0
            worstExpected = b.first ?? 0
        }
    }

    /// The distance between `x` and `y` in representable floats (0 for equal values; `UInt32.max` with a NaN).
    public static func ulpDistance(_ x: Float, _ y: Float) -> UInt32 {
        if x.isNaN || y.isNaN { return .max }
        func ordered(_ v: Float) -> Int64 {
            let bits = Int64(Int32(bitPattern: v.bitPattern))
            return bits < 0 ? Int64(Int32.min) - bits : bits
        }
        let d = abs(ordered(x) - ordered(y))
        return d > Int64(UInt32.max) ? .max : UInt32(d)
    }

    static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count), rest = flat
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    public var description: String {
        guard actualShape == expectedShape else {
            return "shapes differ: \(actualShape.shapeDescription) vs expected \(expectedShape.shapeDescription)"
        }
        let verdict = passed ? "within" : "\(mismatchedCount) of \(count) elements outside"
        return "\(verdict) atol \(absoluteTolerance) + rtol \(relativeTolerance) x |expected|; max abs error \(maxAbsoluteError), "
            + "max rel error \(maxRelativeError), cosine \(cosine), max \(maxULPDistance) ULP; worst at "
            + "[\(worstIndex.map(String.init).joined(separator: ", "))]: \(worstActual) vs expected \(worstExpected)"
    }
}
