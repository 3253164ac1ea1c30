/// A 2-D convolution, `torch.nn.Conv2d`, on NCHW maps.
///
/// Checkpoint keys: `weight` `[O, I / groups, kH, kW]`, `bias` `[O]` when present.
public struct Conv2d: Layer, ParameterContainer {
    public let weight: Tensor
    public let bias: Tensor?
    public let geometry: Convolution.Geometry
    public let path: String

    public init(_ scope: ParameterScope, geometry: Convolution.Geometry, bias: Bool) throws {
        let fanIn = geometry.weightShape.dropFirst().reduce(1, *)
        self.weight = try scope.load("weight", shape: geometry.weightShape, initializer: .fanIn(fanIn))
        self.bias = bias ? try scope.load("bias", shape: [geometry.outChannels], initializer: .fanIn(fanIn)) : nil
        self.geometry = geometry
        self.path = scope.prefix
    }

    /// `[B, I, H, W]` → `[B, O, Ho, Wo]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank == 4, input.shape[1] == geometry.inChannels,
              let (outH, outW) = geometry.outputSize(height: input.shape[2], width: input.shape[3])
        else {
            throw ShapeError(path: path, tensor: "input", expected: "[B, \(geometry.inChannels), H, W]", actual: input.shape)
        }
        let (b, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        return Tensor(shape: [b, geometry.outChannels, outH, outW]) { out in
            apply(input, batch: b, height: h, width: w, output: out.baseAddress!)
        }
    }

    /// Pointer form; `output` holds `B * O * Ho * Wo` scalars.
    public func apply(_ input: Tensor, batch: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        input.withUnsafeBufferPointer { x in
            apply(x.baseAddress!, batch: batch, height: height, width: width, output: output)
        }
    }

    public func apply(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            if let bias {
                bias.withUnsafeBufferPointer { bb in
                    Convolution.conv2d(input, batch: batch, height: height, width: width, weight: w.baseAddress!,
                                       bias: bb.baseAddress!, geometry: geometry, output: output)
                }
            } else {
                Convolution.conv2d(input, batch: batch, height: height, width: width, weight: w.baseAddress!,
                                   bias: nil, geometry: geometry, output: output)
            }
        }
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        try visit("weight", weight)
        if let bias { try visit("bias", bias) }
    }

    /// FLOPs (2 x multiply-adds) for a `height x width` input of `batch` images.
    public func flops(batch: Int, height: Int, width: Int) -> Int {
        guard let (h, w) = geometry.outputSize(height: height, width: width) else { return 0 }
        return 2 * batch * h * w * geometry.outChannels * (geometry.inChannels / geometry.groups)
            * geometry.kernel.height * geometry.kernel.width
    }
}
