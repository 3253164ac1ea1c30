/// A fully connected layer, `torch.nn.Linear`: `y[..., out] = x[..., in] · weight[out, in]ᵀ + bias[out]`.
///
/// All rows of the input (every token of every batch element) go through one product. The weight is kept
/// packed for VLBlocks' micro-kernel when ``WeightPacking`` is on (the default on CPUs with AVX2 and FMA),
/// or plain for OpenBLAS. Checkpoint keys: `weight` `[out, in]`, `bias` `[out]`.
public struct Linear: Layer {
    enum Storage: Sendable {
        case plain(Tensor)
        case packed(PackedWeight)
        case quantized(QuantizedWeight)
    }

    let storage: Storage
    /// `[out]`, or nil for `bias=False`.
    public let bias: Tensor?
    public let parameters: ParameterRecord
    public let inFeatures: Int
    public let outFeatures: Int

    /// `[out, in]`, PyTorch's layout (unpacked on each access when the layer keeps it packed).
    public var weight: Tensor {
        switch storage {
        case .plain(let weight): weight
        case .packed(let packed): packed.unpacked()
        case .quantized(let quantized): quantized.dequantized()
        }
    }

    /// Whether the weight (packed or plain) sits in pages of its own rather than on the heap (see `StoragePlacement`).
    package var weightHasOwnPages: Bool {
        switch storage {
        case .plain(let weight): weight.hasOwnPages
        case .packed(let packed): packed.panels.hasOwnPages
        case .quantized(let quantized): quantized.values.hasOwnPages
        }
    }

    /// Whether the weight is kept packed for the micro-kernel.
    public var isPacked: Bool {
        if case .packed = storage { return true }
        return false
    }

    /// The layer's arithmetic: `.int8` when the weight is kept quantised.
    public var precision: Precision {
        if case .quantized = storage { return .int8 }
        return .float32
    }

    /// Builds the layer from `scope` (`scope.weight`, `scope.bias`).
    /// - Parameters:
    ///   - packing: keep an fp32 weight packed (default: the loader's ``ParameterLoader/prefersPackedWeights``).
    ///   - precision: `.int8` quantises the weight (default: the loader's ``ParameterLoader/precision``).
    public init(_ scope: ParameterScope, inFeatures: Int, outFeatures: Int, bias: Bool = true, packing: Bool? = nil,
                precision: Precision? = nil) throws {
        let weight = try scope.load("weight", shape: [outFeatures, inFeatures], initializer: .fanIn(inFeatures))
        let bias = bias ? try scope.load("bias", shape: [outFeatures], initializer: .fanIn(inFeatures)) : nil
        let storage = Self.storage(for: weight, packing: packing ?? scope.loader.prefersPackedWeights,
                                   precision: precision ?? scope.loader.precision)
        switch storage {
        case .packed(let packed): scope.rebind("weight") { packed.unpacked() }
        case .quantized(let quantized): scope.rebind("weight") { quantized.dequantized() }
        case .plain: break
        }
        self.init(storage: storage, bias: bias, parameters: scope.recorded())
    }

    /// Wraps existing tensors: `weight [out, in]`, `bias [out]` (recorded under `weight` and `bias`).
    public init(weight: Tensor, bias: Tensor?, path: String = "linear", packing: Bool = WeightPacking.isEnabled,
                precision: Precision = .float32) throws(ShapeError) {
        guard weight.rank == 2 else {
            throw ShapeError(path: path, tensor: "weight", expected: "[out, in]", actual: weight.shape)
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ShapeError(path: path, tensor: "bias", expected: [weight.shape[0]].shapeDescription, actual: bias.shape)
        }
        let storage = Self.storage(for: weight, packing: packing, precision: precision)
        let record: ParameterRecord
        switch storage {
        case .packed, .quantized:
            let derived: @Sendable () -> Tensor = switch storage {
            case .packed(let packed): { packed.unpacked() }
            case .quantized(let quantized): { quantized.dequantized() }
            case .plain(let weight): { weight }
            }
            var entries = [ParameterRecord.Entry(key: "weight", shape: weight.shape, value: .derived(derived))]
            if let bias { entries.append(ParameterRecord.Entry(key: "bias", shape: bias.shape, value: .stored(bias))) }
            record = ParameterRecord(path: path, entries: entries)
        case .plain:
            record = ParameterRecord(path: path, tensors: ["weight": weight, "bias": bias])
        }
        self.init(storage: storage, bias: bias, parameters: record)
    }

    private init(storage: Storage, bias: Tensor?, parameters: ParameterRecord) {
        self.storage = storage
        self.bias = bias
        self.parameters = parameters
        switch storage {
        case .plain(let weight): (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        case .packed(let packed): (outFeatures, inFeatures) = (packed.outFeatures, packed.inFeatures)
        case .quantized(let quantized): (outFeatures, inFeatures) = (quantized.outFeatures, quantized.inFeatures)
        }
    }

    private static func storage(for weight: Tensor, packing: Bool, precision: Precision) -> Storage {
        let nonEmpty = weight.shape[0] > 0 && weight.shape[1] > 0
        if precision == .int8, nonEmpty { return .quantized(QuantizedWeight(quantizing: weight)) }
        let pack = packing && VectorKernels.isAvailable && nonEmpty
        return pack ? .packed(PackedWeight(packing: weight)) : .plain(weight)
    }

    /// `[..., in]` → `[..., out]`.
    public func callAsFunction(_ input: Tensor) throws(ShapeError) -> Tensor {
        guard input.rank >= 1, input.shape.last == inFeatures else {
            throw ShapeError(path: path, tensor: "input", expected: "[..., \(inFeatures)]", actual: input.shape)
        }
        let rows = input.count / Swift.max(inFeatures, 1)
        return Tensor(shape: Array(input.shape.dropLast()) + [outFeatures]) { out in
            input.withUnsafeBufferPointer { x in
                apply(x.baseAddress!, rows: rows, output: out.baseAddress!)
            }
        }
    }

    /// Pointer form for fused pipelines:
    /// `output[rows, |features|] = activation((accumulate ? output : 0) + input[rows, in] · W[features]ᵀ + b[features])`.
    ///
    /// - Parameters:
    ///   - inputStride: row stride of `input` (default `inFeatures`).
    ///   - features: the output features to compute (default all); with a packed weight its lower bound must
    ///     be a multiple of 16.
    ///   - outputStride: row stride of `output` (default `features.count`).
    ///   - accumulate: keep `output`'s contents and add the result (a fused residual connection).
    ///   - activation: applied to each finished value (with a packed weight, inside the GEMM's epilogue).
    package func apply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, features: Range<Int>? = nil,
        output: UnsafeMutablePointer<Float>, outputStride: Int? = nil, accumulate: Bool = false,
        activation: Activation = .identity
    ) {
        let range = features ?? 0..<outFeatures
        let lda = inputStride ?? inFeatures, ldc = outputStride ?? range.count
        switch storage {
        case .packed(let packed):
            applyPanels(packed, input, rows: rows, inputStride: lda, features: range, output: output, outputStride: ldc,
                        accumulate: accumulate, activation: activation)
        case .quantized(let quantized):
            applyPanels(quantized, input, rows: rows, inputStride: lda, features: range, output: output, outputStride: ldc,
                        accumulate: accumulate, activation: activation)
        case .plain(let weight):
            bias.withOptionalPointer { b in
                let bias = b.map { $0 + range.lowerBound }
                for r in 0..<rows {
                    let row = output + r * ldc
                    switch (bias, accumulate) {
                    case (let bias?, true): GEMM.addRowVector(row, rows: 1, columns: range.count, vector: bias)
                    case (let bias?, false): row.update(from: bias, count: range.count)
                    case (nil, false): row.update(repeating: 0, count: range.count)
                    case (nil, true): break
                    }
                }
            }
            weight.withUnsafeBufferPointer { w in
                GEMM.multiply(transposeB: true, m: rows, n: range.count, k: inFeatures, a: input, lda: lda,
                              b: w.baseAddress! + range.lowerBound * inFeatures, ldb: inFeatures, beta: 1, c: output, ldc: ldc)
            }
            Self.apply(activation, to: output, rows: rows, columns: range.count, stride: ldc)
        }
    }

    /// A product on packed panels (fp32 or int8): bias, residual and, where the kernel runs on AVX2, the activation are
    /// applied as tiles are finished; otherwise the activation is applied after, with the portable functions.
    private func applyPanels<Weight: PanelWeight>(
        _ weight: Weight, _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, features: Range<Int>,
        output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, activation: Activation
    ) {
        let fused = Weight.isAccelerated ? activation : .identity
        bias.withOptionalPointer { b in
            weight.multiply(input, rows: rows, inputStride: inputStride, features: features, output: output,
                            outputStride: outputStride, bias: b, accumulate: accumulate, activation: fused)
        }
        if fused != activation { Self.apply(activation, to: output, rows: rows, columns: features.count, stride: outputStride) }
    }

    static func apply(_ activation: Activation, to output: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
        guard activation != .identity else { return }
        if stride == columns {
            activation.apply(output, count: rows * columns)
        } else {
            parallelChunks(count: rows, minimumChunk: max(1, 16_384 / max(columns, 1))) { range in
                for r in range { activation.applySerially(output + r * stride, count: columns) }
            }
        }
    }

    /// Multiply-adds of one call on `rows` rows, times two: the FLOP count of the GEMM.
    public func flops(rows: Int) -> Int { 2 * rows * inFeatures * outFeatures }
}
