public import VLCore

/// Patchify convolution with stride = kernel = patch size, as im2col + one GEMM over every patch of
/// the batch: `pixels [B, C, H, W]` → `tokens [B, (H/p)(W/p), D]` in row-major patch order.
///
/// Mirrors `nn.Conv2d(C, D, kernel_size=p, stride=p)` followed by `flatten(2).transpose(1, 2)`, the
/// patch embedding of CLIP (no bias), SigLIP and DINOv2 (with bias) and timm's `PatchEmbed`.
/// Checkpoint keys: `weight` `[D, C, p, p]`, `bias` `[D]`.
public struct PatchEmbedding: Layer {
    /// The convolution as a linear layer over flattened patches: weight `[D, C·p·p]` (packed for VLBlocks'
    /// micro-kernel where the CPU has AVX2 + FMA), bias `[D]`.
    public let projection: Linear
    public let patchSize: Int
    /// The checkpoint's `image_size`, accepted as an input side even when it is not a multiple of the patch
    /// size (SigLIP so400m: 384 px, 14 px patches); the convolution then drops the last `image_size % p`
    /// rows and columns, as `nn.Conv2d` does. Nil accepts multiples of the patch size only.
    public let nativeImageSize: Int?
    public let parameters: ParameterRecord

    public let channels: Int
    public var width: Int { projection.outFeatures }
    /// `[D, C, p, p]`, PyTorch's layout (rebuilt from the projection on each access).
    public var weight: Tensor { try! projection.weight.reshaped([width, channels, patchSize, patchSize]) }
    public var bias: Tensor? { projection.bias }

    public init(
        _ scope: ParameterScope, channels: Int, width: Int, patchSize: Int, bias: Bool, nativeImageSize: Int? = nil
    ) throws {
        let fanIn = channels * patchSize * patchSize
        let weight = try scope.load("weight", shape: [width, channels, patchSize, patchSize], initializer: .fanIn(fanIn))
        let bias = bias ? try scope.load("bias", shape: [width], initializer: .fanIn(fanIn)) : nil
        let projection = try Linear(weight: try weight.reshaped([width, fanIn]), bias: bias, path: scope.prefix,
                                    packing: scope.loader.prefersPackedWeights)
        scope.rebind("weight") { try! projection.weight.reshaped([width, channels, patchSize, patchSize]) }
        self.projection = projection
        self.channels = channels
        self.patchSize = patchSize
        self.nativeImageSize = nativeImageSize
        self.parameters = scope.recorded()
    }

    /// The patch grid of an `height x width` image: `(H / p, W / p)`, rounded down for the native size.
    /// - Throws: ``ShapeError`` when `pixels` is not `[B, C, H, W]` with H and W positive multiples of the patch
    ///   size (or ``nativeImageSize``).
    public func grid(for pixels: Tensor) throws(ShapeError) -> (height: Int, width: Int) {
        var expected = "[B, \(channels), H, W] with H and W positive multiples of \(patchSize)"
        if let native = nativeImageSize, native % patchSize != 0 { expected += " (or \(native))" }
        func accepted(_ side: Int) -> Bool { side >= patchSize && (side % patchSize == 0 || side == nativeImageSize) }
        guard pixels.rank == 4, pixels.shape[0] > 0, pixels.shape[1] == channels,
              accepted(pixels.shape[2]), accepted(pixels.shape[3])
        else {
            throw ShapeError(path: path, tensor: "pixel_values", expected: expected, actual: pixels.shape)
        }
        return (pixels.shape[2] / patchSize, pixels.shape[3] / patchSize)
    }

    /// `[B, C, H, W]` → `[B, (H/p)(W/p), D]`.
    public func callAsFunction(_ pixels: Tensor) throws(ShapeError) -> Tensor {
        let (gh, gw) = try grid(for: pixels)
        let batch = pixels.shape[0]
        return Tensor(shape: [batch, gh * gw, width]) { out in
            apply(pixels, output: out.baseAddress!)
        }
    }

    /// Writes `[B * patches, D]` to `output`; `pixels` must have passed ``grid(for:)``.
    package func apply(_ pixels: Tensor, output: UnsafeMutablePointer<Float>) {
        let (batch, h, w) = (pixels.shape[0], pixels.shape[2], pixels.shape[3])
        let p = patchSize
        let (gh, gw) = (h / p, w / p)
        let rows = batch * gh * gw
        let patchLength = channels * p * p
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: rows * patchLength)
        defer { columns.deallocate() }
        pixels.withUnsafeBufferPointer { source in
            let x = source.baseAddress!
            parallelChunks(count: batch * gh, minimumChunk: 4) { range in
                for item in range {
                    let b = item / gh, gy = item % gh
                    for gx in 0..<gw {
                        var destination = columns + ((b * gh + gy) * gw + gx) * patchLength
                        for c in 0..<channels {
                            for ky in 0..<p {
                                let row = x + ((b * channels + c) * h + gy * p + ky) * w + gx * p
                                destination.update(from: row, count: p)
                                destination += p
                            }
                        }
                    }
                }
            }
        }
        projection.apply(columns, rows: rows, output: output)
    }

    /// FLOPs of one call on `patches` patches.
    public func flops(patches: Int) -> Int { 2 * patches * width * channels * patchSize * patchSize }
}
