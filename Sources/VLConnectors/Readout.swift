public import VLCore

/// The connectors' output MLP: `Linear(D_in, D_out)`, then `(SiLU, Linear(D_out, D_out))` repeated, as
/// Honeybee's `build_mlp`; keys `0`, `2`, `4`, ... of an `nn.Sequential`. Depth 0 is the identity.
public struct Readout: Layer {
    public let layers: [Linear]
    public let inputWidth: Int
    public let parameters: ParameterRecord
    public var outputWidth: Int { layers.last?.outFeatures ?? inputWidth }

    public init(_ scope: ParameterScope, depth: Int, inputWidth: Int, outputWidth: Int) throws {
        self.inputWidth = inputWidth
        layers = try (0..<depth).map { i in
            try Linear(scope["\(2 * i)"], inFeatures: i == 0 ? inputWidth : outputWidth, outFeatures: outputWidth)
        }
        parameters = scope.recorded()
    }

    /// Applies the readout to `rows` rows at `input` into `output` (which may not alias `input` unless the
    /// depth is 0). `scratch` holds `rows * outputWidth` scalars when the depth exceeds 1.
    package func apply(_ input: UnsafePointer<Float>, rows: Int, scratch: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        guard !layers.isEmpty else {
            if UnsafePointer(output) != input { output.update(from: input, count: rows * inputWidth) }
            return
        }
        // Alternate between output and scratch so that the last layer lands in output.
        var source = input
        for (i, layer) in layers.enumerated() {
            let remaining = layers.count - 1 - i
            let destination = remaining % 2 == 0 ? output : scratch!
            layer.apply(source, rows: rows, output: destination, activation: remaining > 0 ? .silu : .identity)
            source = UnsafePointer(destination)
        }
    }

    /// `[..., D_in]` → `[..., D_out]`.
    /// - Throws: ``ShapeError`` when the last axis is not `D_in`.
    public func callAsFunction(_ x: Tensor) throws(ShapeError) -> Tensor {
        guard x.rank >= 1, x.shape.last == inputWidth else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(inputWidth)]", actual: x.shape)
        }
        let rows = x.count / max(inputWidth, 1)
        let scratch: UnsafeMutablePointer<Float>? = layers.count > 1 ? .allocate(capacity: rows * outputWidth) : nil
        defer { scratch?.deallocate() }
        return Tensor(shape: Array(x.shape.dropLast()) + [outputWidth]) { out in
            x.withUnsafeBufferPointer { apply($0.baseAddress!, rows: rows, scratch: scratch, output: out.baseAddress!) }
        }
    }

    /// The readout composed from tensor operations, recording what hooks on its `nn.Sequential` see (`readout.0`,
    /// `readout.1` (SiLU), `readout.2`, ..., and `readout`; with depth 0, `nn.Identity`'s output).
    package func tracedForward(_ x: Tensor) throws -> Tensor {
        func child(_ index: Int) -> String { path + ".\(index)" }
        var h = x
        for (i, layer) in layers.enumerated() {
            if i > 0 {
                h = h.silu()
                Tracing.record(child(2 * i - 1), h)
            }
            h = try layer(h)
            Tracing.record(child(2 * i), h)
        }
        Tracing.record(path, h)
        return h
    }

    public func flops(rows: Int) -> Int { layers.reduce(0) { $0 + $1.flops(rows: rows) } }
}
