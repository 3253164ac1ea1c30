/// Deterministic random tensors for modules built without a checkpoint.
package enum RandomTensor {
    /// Fills a tensor from `initializer`; the stream depends on `seed` and `path` only, so a
    /// parameter's value does not depend on the order modules are built in.
    static func make(shape: [Int], initializer: ParameterInitializer, seed: UInt64, path: String) -> Tensor {
        switch initializer {
        case .constant(let value):
            return Tensor(shape: shape, repeating: value)
        case .random(let mean, let std):
            var state = seed ^ fnv1a(path)
            let halfWidth = std * Float(3).squareRoot()  // uniform(-a, a) has std a / sqrt(3)
            return Tensor(shape: shape, placement: .pages) { buffer in
                for i in buffer.indices {
                    let bits = splitMix64(&state) >> 40  // 24 random bits
                    let unit = Float(bits) * (1 / Float(1 << 24))  // [0, 1)
                    buffer[i] = mean + (2 * unit - 1) * halfWidth
                }
            }
        }
    }

    package static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
