public import VLCore
import Foundation

/// Rotary position embedding in the rotate-half layout of GPT-NeoX, LLaMA and CogVLM, as transformers'
/// `LlamaRotaryEmbedding` (default rope) and `apply_rotary_pos_emb` compute it: for a head vector `x = [x1, x2]`
/// (two halves of `d / 2`) at position `p`, `[x1·cos − x2·sin, x2·cos + x1·sin]` with angle `p · inv_freq[i]` and
/// `inv_freq[i] = 1 / base^(2i / d)`.
public struct RotaryEmbedding: Sendable, Equatable {
    /// The head dimension `d` (even).
    public let dimension: Int
    /// `rope_theta`: 10000 in LLaMA 2 and CogVLM, 500000 in LLaMA 3 and CogVLM2.
    public let base: Double
    /// `[d / 2]`, in fp32 as PyTorch computes `1.0 / (base ** (torch.arange(0, d, 2).float() / d))`.
    public let inverseFrequencies: [Float]

    /// - Throws: ``ConfigurationError`` when `dimension` is not a positive even number or `base` is not above 1.
    public init(dimension: Int, base: Double) throws(ConfigurationError) {
        guard dimension > 0, dimension % 2 == 0 else {
            throw ConfigurationError(field: "rotary dimension", reason: "\(dimension) is not a positive even head dimension")
        }
        guard base > 1, base.isFinite else {
            throw ConfigurationError(field: "rope_theta", reason: "\(base) is not a finite base above 1")
        }
        self.dimension = dimension
        self.base = base
        inverseFrequencies = (0..<(dimension / 2)).map { i in
            1 / Float(pow(base, Double(Float(2 * i) / Float(dimension))))
        }
    }

    /// The cosines and sines of positions `0 ..< count` (see ``RotaryTable``), computed once per forward pass and
    /// shared by every layer.
    public func table(positions count: Int) -> RotaryTable {
        let half = dimension / 2
        var cosine = Tensor(shape: [Swift.max(count, 0), half]), sine = cosine
        cosine.withUnsafeMutableBufferPointer { c in
            sine.withUnsafeMutableBufferPointer { s in
                for p in 0..<Swift.max(count, 0) {
                    for i in 0..<half {
                        // The angle rounds to fp32 first, as `position_ids.float() * inv_freq` does.
                        let angle = Double(Float(p) * inverseFrequencies[i])
                        c[p * half + i] = Float(cos(angle))
                        s[p * half + i] = Float(sin(angle))
                    }
                }
            }
        }
        return RotaryTable(cosine: cosine, sine: sine)
    }
}

/// Cosines and sines of a rotary embedding for positions `0 ..< positions`: `cosine`, `sine` `[P, d / 2]` (the two
/// halves of a head share them, as `torch.cat((freqs, freqs), -1)` repeats them).
public struct RotaryTable: Sendable {
    public let cosine: Tensor
    public let sine: Tensor

    /// `P`: positions ids must be below it.
    public var positions: Int { cosine.shape[0] }
    /// `d / 2`.
    public var halfDimension: Int { cosine.shape[1] }
}

extension Tensor {
    /// `apply_rotary_pos_emb` on token-major heads: `self [B, L, H, d]` (the layout a projection gives, before any
    /// transpose) rotated by the angles of `positions [B][L]` → `[B, L, H, d]`. Vectorised eight lanes at a time over
    /// each half of every head.
    /// - Throws: ``ShapeError`` when `self` is not `[B, L, H, 2·table.halfDimension]`, `positions` is not `[B][L]`,
    ///   or a position is outside `0 ..< table.positions`.
    public func applyingRotaryEmbedding(_ table: RotaryTable, positions: [[Int]]) throws(ShapeError) -> Tensor {
        let half = table.halfDimension
        guard rank == 4, shape[3] == 2 * half else {
            throw ShapeError(path: "apply_rotary_pos_emb", tensor: "input", expected: "[B, L, H, \(2 * half)]", actual: shape)
        }
        let (batch, length, heads) = (shape[0], shape[1], shape[2])
        guard positions.count == batch, positions.allSatisfy({ $0.count == length }) else {
            throw ShapeError(path: "apply_rotary_pos_emb", tensor: "position_ids", expected: [batch, length].shapeDescription,
                             actual: [positions.count, positions.first?.count ?? 0])
        }
        let flat = positions.flatMap { $0 }
        if let bad = flat.first(where: { $0 < 0 || $0 >= table.positions }) {
            throw ShapeError(path: "apply_rotary_pos_emb", tensor: "position_ids",
                             expected: "ids in 0 ..< \(table.positions), got \(bad)", actual: [batch, length])
        }
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                table.cosine.withUnsafeBufferPointer { c in
                    table.sine.withUnsafeBufferPointer { s in
                        parallelChunks(count: batch * length, minimumChunk: Swift.max(1, 16_384 / Swift.max(heads * 2 * half, 1))) { rows in
                            for row in rows {
                                let (cos, sin) = (c.baseAddress! + flat[row] * half, s.baseAddress! + flat[row] * half)
                                for h in 0..<heads {
                                    let offset = (row * heads + h) * 2 * half
                                    RotaryKernel.rotate(x.baseAddress! + offset, cos: cos, sin: sin, half: half, output: out.baseAddress! + offset)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One head vector rotated: `out[:h] = x1·cos − x2·sin`, `out[h:] = x2·cos + x1·sin` (each product rounded, then
/// summed, as PyTorch's `q * cos + rotate_half(q) * sin`).
enum RotaryKernel {
    @inline(__always)
    static func rotate(_ x: UnsafePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, half: Int,
                       output: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= half {
            let (x1, x2) = (Float8.load(x + i), Float8.load(x + half + i))
            let (c, s) = (Float8.load(cos + i), Float8.load(sin + i))
            (x1 * c - x2 * s).store(output + i)
            (x2 * c + x1 * s).store(output + half + i)
            i += 8
        }
        while i < half {
            let (x1, x2) = (x[i], x[half + i])
            output[i] = x1 * cos[i] - x2 * sin[i]
            output[half + i] = x2 * cos[i] + x1 * sin[i]
            i += 1
        }
    }
}
