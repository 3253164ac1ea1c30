public import VLCore

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
