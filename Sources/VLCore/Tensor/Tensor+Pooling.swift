/// Adaptive average pooling with PyTorch's window rule (`F.adaptive_avg_pool2d`): output cell `i` averages
/// input rows `[floor(i * H / h), ceil((i + 1) * H / h))`, so windows overlap when `H` is not a multiple of `h`.
extension Tensor {
    /// `F.adaptive_avg_pool2d(x, (height, width))` on `[..., H, W]` maps (NCHW).
    public func adaptiveAveragePool2d(height: Int, width: Int) throws(ShapeError) -> Tensor {
        guard rank >= 2, height > 0, width > 0, shape[rank - 2] > 0, shape[rank - 1] > 0 else {
            throw ShapeError(path: "adaptive_avg_pool2d", tensor: "input", expected: "[..., H, W] with H, W > 0 pooled to \(height) x \(width)",
                             actual: shape)
        }
        let (h, w) = (shape[rank - 2], shape[rank - 1])
        let planes = count / (h * w)
        return Tensor(shape: Array(shape.dropLast(2)) + [height, width]) { out in
            withUnsafeBufferPointer { x in
                Pooling.adaptiveAverage(x.baseAddress!, planes: planes, height: h, width: w, outHeight: height, outWidth: width,
                                        output: out.baseAddress!)
            }
        }
    }

    /// The same pooling on channels-last tokens: `[B, H * W, C]` laid out on `grid` (row-major) to
    /// `[B, height * width, C]`, as `adaptive_avg_pool2d` on the `[B, C, H, W]` map would give, without a transpose.
    public func adaptiveAveragePooledTokens(grid: PatchGrid, height: Int, width: Int) throws(ShapeError) -> Tensor {
        guard rank == 3, shape[1] == grid.count, grid.count > 0, height > 0, width > 0 else {
            throw ShapeError(path: "adaptive_avg_pool2d", tensor: "tokens", expected: "[B, \(grid.count), C] on a \(grid) grid", actual: shape)
        }
        let (batch, channels) = (shape[0], shape[2])
        return Tensor(shape: [batch, height * width, channels]) { out in
            withUnsafeBufferPointer { x in
                Pooling.adaptiveAverageTokens(x.baseAddress!, batch: batch, height: grid.height, width: grid.width, channels: channels,
                                              outHeight: height, outWidth: width, output: out.baseAddress!)
            }
        }
    }

    /// `F.conv2d(x, weight, bias, stride, padding, groups=groups)` on `[B, I, H, W]` with `weight [O, I / groups, kH, kW]`.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, groups: Int = 1) throws(ShapeError) -> Tensor {
        guard weight.rank == 4, weight.shape[2] == weight.shape[3], groups > 0, stride > 0, padding >= 0 else {
            throw ShapeError(path: "conv2d", tensor: "weight", expected: "[O, I / groups, k, k]", actual: weight.shape)
        }
        let geometry = Convolution.Geometry(inChannels: weight.shape[1] * groups, outChannels: weight.shape[0], kernel: weight.shape[2],
                                            stride: stride, padding: padding, groups: groups)
        guard weight.shape[0] % groups == 0, rank == 4, shape[1] == geometry.inChannels,
              let (outH, outW) = geometry.outputSize(height: shape[2], width: shape[3])
        else {
            throw ShapeError(path: "conv2d", tensor: "input", expected: "[B, \(geometry.inChannels), H, W] (H, W >= the kernel)", actual: shape)
        }
        if let bias, bias.shape != [geometry.outChannels] {
            throw ShapeError(path: "conv2d", tensor: "bias", expected: [geometry.outChannels].shapeDescription, actual: bias.shape)
        }
        return Tensor(shape: [shape[0], geometry.outChannels, outH, outW]) { out in
            withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withOptionalPointer { b in
                        Convolution.conv2d(x.baseAddress!, batch: shape[0], height: shape[2], width: shape[3], weight: w.baseAddress!,
                                           bias: b, geometry: geometry, output: out.baseAddress!)
                    }
                }
            }
        }
    }
}
