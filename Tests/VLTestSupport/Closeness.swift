public import VLCore

/// How far two tensors are apart.
public struct Difference: CustomStringConvertible, Sendable {
    public var maxAbsolute: Float
    public var maxRelative: Float
    public var worstIndex: Int
    public var scale: Float

    public var description: String {
        "max |a - b| = \(maxAbsolute) at \(worstIndex) (max rel \(maxRelative), scale \(scale))"
    }
}

/// Compares `actual` with `expected`, treating NaN == NaN and equal infinities as equal. Arrays of different
/// lengths are infinitely far apart (a failed comparison, not a crash of the test process).
public func difference(_ actual: [Float], _ expected: [Float]) -> Difference {
    var result = Difference(maxAbsolute: 0, maxRelative: 0, worstIndex: -1, scale: 0)
    guard actual.count == expected.count else {
        return Difference(maxAbsolute: .infinity, maxRelative: .infinity, worstIndex: -1, scale: .infinity)
    }
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN && e.isNaN { continue }
        if a == e { result.scale = max(result.scale, abs(e)); continue }
        let d = abs(a - e)
        if d.isNaN || d > result.maxAbsolute || result.worstIndex < 0 {
            if !(d <= result.maxAbsolute) { result.maxAbsolute = d.isNaN ? .infinity : d; result.worstIndex = i }
        }
        result.maxRelative = max(result.maxRelative, d / max(abs(e), 1e-30))
        result.scale = max(result.scale, abs(e))
    }
    return result
}

/// As the array form; tensors of different shapes are infinitely far apart.
public func difference(_ actual: Tensor, _ expected: Tensor) -> Difference {
    guard actual.shape == expected.shape else {
        return Difference(maxAbsolute: .infinity, maxRelative: .infinity, worstIndex: -1, scale: .infinity)
    }
    return difference(actual.scalars, expected.scalars)
}

/// Whether every element satisfies `|a - e| <= absolute + relative * |e|` (NaNs must match).
public func isClose(_ actual: [Float], _ expected: [Float], absolute: Float, relative: Float = 0) -> Bool {
    guard actual.count == expected.count else { return false }
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN || e.isNaN { if a.isNaN != e.isNaN { return false }; continue }
        if a == e { continue }
        if !(abs(a - e) <= absolute + relative * abs(e)) { return false }
    }
    return true
}

public func isClose(_ actual: Tensor, _ expected: Tensor, absolute: Float, relative: Float = 0) -> Bool {
    actual.shape == expected.shape && isClose(actual.scalars, expected.scalars, absolute: absolute, relative: relative)
}

/// Deterministic pseudo-random values in [-scale, scale) for kernel tests.
public struct TestRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    public mutating func array(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in next() * scale }
    }
    public mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        try! Tensor(shape: shape, scalars: array(shape.reduce(1, *), scale: scale))
    }
}

public import Testing

/// Records a test issue, with the worst element and the tolerance, unless
/// `|actual - expected| <= absolute + relative * |expected|` everywhere (NaNs must match).
public func expectClose(
    _ actual: [Float], _ expected: [Float], absolute: Float, relative: Float = 0, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) elements, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if !isClose(actual, expected, absolute: absolute, relative: relative) {
        Issue.record("\(label): \(difference(actual, expected)); tolerance \(absolute) + \(relative) x |expected|",
                     sourceLocation: sourceLocation)
    }
}

/// Tensor form of ``expectClose(_:_:absolute:relative:_:sourceLocation:)``; shapes must match too.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, absolute: Float, relative: Float = 0, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    expectClose(actual.scalars, expected.scalars, absolute: absolute, relative: relative, label, sourceLocation: sourceLocation)
}
