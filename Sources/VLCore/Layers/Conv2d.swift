/// A 2-D convolution, `torch.nn.Conv2d`, on NCHW maps.
///
/// Checkpoint keys: `weight` `[O, I / groups, kH, kW]`, `bias` `[O]` when present.
public struct Conv2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let geometry: Convolution.Geometry
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, geometry: Convolution.Geometry, bias: Bool) throws {
        let fanIn = geometry.weightShape.dropFirst().reduce(1, *)
        self.weight = try scope.load("weight", shape: geometry.weightShape, initializer: .fanIn(fanIn))
        self.bias = bias ? try scope.load("bias", shape: [geometry.outChannels], initializer: .fanIn(fanIn)) : nil
        self.geometry = geometry
        self.parameters = scope.recorded()
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
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w2 in
                    bias.withOptionalPointer { bb in
                        Convolution.conv2d(x.baseAddress!, batch: b, height: h, width: w, weight: w2.baseAddress!, bias: bb,
                                           geometry: geometry, output: out.baseAddress!)
                    }
                }
            }
        }
    }

    /// FLOPs (2 x multiply-adds) for a `height x width` input of `batch` images.
    public func flops(batch: Int, height: Int, width: Int) -> Int {
        guard let (h, w) = geometry.outputSize(height: height, width: width) else { return 0 }
        return 2 * batch * h * w * geometry.outChannels * (geometry.inChannels / geometry.groups)
            * geometry.kernel.height * geometry.kernel.width
    }
}
