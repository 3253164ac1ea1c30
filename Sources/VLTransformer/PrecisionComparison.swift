import Foundation
package import VLCore

/// What int8 costs in accuracy: a tower built twice from the same weights, fp32 and int8, on the same pixels.
///
/// The weights are random but shaped like trained ones where that matters to quantisation: linear and convolution
/// weights drawn from N(0, 1/fan_in), LayerNorm gains and LayerScale factors 1 ± 0.2, biases ± 0.05 (default inits, with
/// gains of exactly 1 and zero biases, would hide errors). Used by `vlblocks bench precision` (real sizes) and the
/// accuracy tests (small widths and the golden fixtures).
package enum PrecisionComparison {
    package struct Result: Sendable {
        /// The smallest cosine between a token's fp32 and int8 `last_hidden_state` rows, over every token of every image.
        package var minimumTokenCosine: Double
        /// The mean of those cosines.
        package var meanTokenCosine: Double
        /// The smallest per-image cosine of `pooler_output` (nil without one).
        package var minimumPooledCosine: Double?
        /// The smallest per-image cosine of CLIP's projected embedding (`visual_projection(pooler_output)`, with a
        /// random projection of the tower's width), nil for other families.
        package var minimumProjectedCosine: Double?
    }

    /// Weights for `configuration` with the statistics above (deterministic per seed), under the tower's key names.
    package static func weights(for configuration: VisionTransformerConfiguration, seed: UInt64) throws -> TensorDictionary {
        let template = try VisionTransformer(ParameterLoader(randomSeed: seed, packWeights: false).root, configuration: configuration)
        var generator = SeededNormal(seed: seed &+ 1)
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in template.namedParameters.sorted(by: { $0.key < $1.key }) {  // a fixed draw order
            let leaf = name.split(separator: ".").last.map(String.init) ?? name
            let scaled = name.contains("norm") || name.contains("layer_scale") || name.contains("lambda")
            if tensor.rank >= 2, leaf == "weight" {
                let fanIn = tensor.shape.dropFirst().reduce(1, *)
                tensors[name] = generator.normalTensor(tensor.shape, scale: 1 / Float(fanIn).squareRoot())
            } else if tensor.rank == 1, scaled, leaf != "bias" {
                tensors[name] = generator.uniformTensor(tensor.shape, center: 1, halfWidth: 0.2)
            } else if tensor.rank == 1, leaf == "bias" {
                tensors[name] = generator.uniformTensor(tensor.shape, center: 0, halfWidth: 0.05)
            } else {
                tensors[name] = tensor
            }
        }
        return TensorDictionary(tensors)
    }

    /// Encodes `pixels` with an fp32 and an int8 tower built from `weights` and compares their outputs.
    package static func compare(configuration: VisionTransformerConfiguration, weights: any ParameterSource,
                                pixels: Tensor) throws -> Result {
        let exact = try VisionTower.load(configuration: configuration, weights: weights)
        let quantized = try VisionTower.load(configuration: configuration, weights: weights, precision: .int8)
        let a = try exact(pixels), b = try quantized(pixels)
        let width = a.lastHiddenState.shape.last!
        let tokenCosines = try rowCosines(a.lastHiddenState.reshaped([-1, width]), b.lastHiddenState.reshaped([-1, width]))
        var result = Result(minimumTokenCosine: tokenCosines.min() ?? 1,
                            meanTokenCosine: tokenCosines.reduce(0, +) / Double(max(tokenCosines.count, 1)))
        if let pa = a.poolerOutput, let pb = b.poolerOutput {
            result.minimumPooledCosine = try rowCosines(pa, pb).min()
            if configuration.family == .clip {
                var generator = SeededNormal(seed: 99)
                let d = pa.shape[1]
                let projection = generator.normalTensor([d, d], scale: 1 / Float(d).squareRoot())
                let exactProjection = try Linear(weight: projection, bias: nil)
                let quantizedProjection = try Linear(weight: projection, bias: nil, precision: .int8)
                result.minimumProjectedCosine = try rowCosines(try exactProjection(pa), try quantizedProjection(pb)).min()
            }
        }
        return result
    }

    /// Cosine of each row of two `[R, D]` tensors, in Double.
    package static func rowCosines(_ a: Tensor, _ b: Tensor) throws -> [Double] {
        let d = a.shape.last!, rows = a.count / max(d, 1)
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                (0..<rows).map { r in
                    var dot = 0.0, xx = 0.0, yy = 0.0
                    for i in r * d..<(r + 1) * d {
                        dot += Double(x[i]) * Double(y[i])
                        xx += Double(x[i]) * Double(x[i])
                        yy += Double(y[i]) * Double(y[i])
                    }
                    return xx == 0 && yy == 0 ? 1 : dot / (xx * yy).squareRoot()
                }
            }
        }
    }
}

/// Standard normal and uniform draws from a seeded SplitMix64 stream (Box-Muller).
struct SeededNormal {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func unit() -> Double { Double(RandomTensor.splitMix64(&state) >> 11) / Double(1 << 53) }


    mutating func normal() -> Float {
        let u = max(unit(), 1e-300), v = unit()
        return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
    }

    /// Elements drawn from N(0, scale²).
    mutating func normalTensor(_ shape: [Int], scale: Float) -> Tensor {
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in values.indices { values[i] = normal() * scale }
        return try! Tensor(shape: shape, scalars: values)
    }

    /// Elements uniform in [center - halfWidth, center + halfWidth).
    mutating func uniformTensor(_ shape: [Int], center: Float, halfWidth: Float) -> Tensor {
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in values.indices { values[i] = center + Float(unit() * 2 - 1) * halfWidth }
        return try! Tensor(shape: shape, scalars: values)
    }
}
