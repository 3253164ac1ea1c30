public import VLAttention
public import VLCore
public import VLPatchEmbedding

/// What a vision encoder returns, named as transformers names it.
public struct VisionEncoderOutput: Sendable {
    /// `[B, N, D]`: after the final norm for SigLIP and DINOv2; CLIP's is not post-normed.
    public var lastHiddenState: Tensor
    /// `[B, D]`: CLIP's post-LN class token, SigLIP's attention-pooling head, DINOv2's normed class token.
    public var poolerOutput: Tensor?
    /// `L + 1` tensors `[B, N, D]` when requested: the encoder input, then every layer's output.
    public var hiddenStates: [Tensor]?
    /// The patch grid of the input.
    public var grid: PatchGrid
    /// Tokens before the patches (class token, registers).
    public var prefixTokens: Int
}

/// A ViT encoder: embeddings, optional pre-norm, pre-LN blocks, final norm and pooler, for CLIP, SigLIP
/// and DINOv2 (with or without registers) towers at any resolution whose sides are multiples of the patch.
///
/// Mirrors `CLIPVisionTransformer`, `SiglipVisionTransformer`, `Dinov2Model` and
/// `Dinov2WithRegistersModel` of transformers 5.23. Input `pixel_values [B, C, H, W]` (normalised).
public struct VisionTransformer: Layer {
    /// Where a tower's parameters live in a checkpoint.
    public struct KeyLayout: Sendable, Equatable {
        public var embeddings: VisionEmbeddings.EmbeddingKeys
        public var preNorm: String?
        public var blocks: String
        public var block: TransformerBlock.KeyLayout
        public var attention: AttentionKeyLayout
        public var mlp: MLP.KeyLayout
        public var finalNorm: String
        public var head: String?

        /// The transformers 5.x names of `family` (no `vision_model.` prefix).
        public static func standard(for configuration: VisionTransformerConfiguration) -> KeyLayout {
            switch configuration.family {
            case .clip:
                KeyLayout(embeddings: .clip, preNorm: "pre_layrnorm", blocks: "encoder.layers", block: .clip,
                          attention: .clip, mlp: .fc, finalNorm: "post_layernorm", head: nil)
            case .siglip:
                KeyLayout(embeddings: .siglip, preNorm: nil, blocks: "encoder.layers", block: .clip, attention: .clip,
                          mlp: .fc, finalNorm: "post_layernorm", head: configuration.usePoolingHead ? "head" : nil)
            case .dinov2, .dinov2WithRegisters:
                KeyLayout(embeddings: .dinov2(registers: configuration.registerTokens > 0, maskToken: configuration.useMaskToken),
                          preNorm: nil, blocks: "encoder.layer", block: .dinov2, attention: .dinov2,
                          mlp: configuration.useSwiGLU ? .gateUpDown : .fc, finalNorm: "layernorm", head: nil)
            }
        }
    }

    public let configuration: VisionTransformerConfiguration
    public let keys: KeyLayout
    public let embeddings: VisionEmbeddings
    /// CLIP's `pre_layrnorm`.
    public let preNorm: LayerNorm?
    public let blocks: [TransformerBlock]
    /// CLIP/SigLIP `post_layernorm`, DINOv2 `layernorm`.
    public let finalNorm: LayerNorm
    /// SigLIP's pooling head.
    public let head: AttentionPoolingHead?
    public let parameters: ParameterRecord

    /// Builds the tower from `scope` (use `ParameterLoader(randomSeed:)` for random weights).
    public init(_ scope: ParameterScope, configuration c: VisionTransformerConfiguration, keys: KeyLayout? = nil) throws {
        try c.validate()
        let keys = keys ?? .standard(for: c)
        self.configuration = c
        self.keys = keys
        let interpolation: PositionInterpolation = c.family == .dinov2WithRegisters ? .bicubicAntialiased : .bicubic
        embeddings = try VisionEmbeddings(
            scope["embeddings"], keys: keys.embeddings, channels: c.channels, width: c.hiddenSize, patchSize: c.patchSize,
            nativeGrid: c.nativeGrid, registerCount: c.registerTokens, interpolation: interpolation,
            nativeImageSize: c.imageSize)
        preNorm = try keys.preNorm.map { try LayerNorm(scope[$0], width: c.hiddenSize, epsilon: c.layerNormEpsilon) }
        blocks = try (0..<c.layers).map { i in
            try TransformerBlock(
                scope[keys.blocks, i], keys: keys.block, width: c.hiddenSize, heads: c.heads, attentionLayout: keys.attention,
                qkvBias: c.qkvBias, mlpHidden: c.intermediateSize, mlpKind: c.useSwiGLU ? .swiGLU : .standard(c.activation),
                mlpLayout: keys.mlp, epsilon: c.layerNormEpsilon)
        }
        finalNorm = try LayerNorm(scope[keys.finalNorm], width: c.hiddenSize, epsilon: c.layerNormEpsilon)
        head = try keys.head.map {
            try AttentionPoolingHead(scope[$0], width: c.hiddenSize, heads: c.heads, intermediateSize: c.intermediateSize,
                                     epsilon: c.layerNormEpsilon, activation: c.activation)
        }
        parameters = scope.recorded()
    }

    /// Encodes `pixel_values [B, C, H, W]`.
    public func callAsFunction(_ pixels: Tensor) throws -> VisionEncoderOutput {
        try encode(pixels)
    }

    /// Encodes `pixel_values [B, C, H, W]`; with `hiddenStates`, also returns every layer's output.
    /// - Throws: ``ShapeError`` naming `pixel_values` for a wrong rank, channel count, or a side that is
    ///   not a positive multiple of the patch size.
    public func encode(_ pixels: Tensor, hiddenStates: Bool = false) throws -> VisionEncoderOutput {
        var states: [Tensor] = []
        let (x, grid) = try run(pixels, layers: blocks.count) { if hiddenStates { states.append($0) } }
        let output: Tensor
        let pooled: Tensor?
        Tracing.record(traceName(String(keys.blocks.split(separator: ".").first ?? "encoder")), x)
        switch configuration.family {
        case .clip:
            output = x
            pooled = try finalNorm(Self.classTokens(of: x))
            Tracing.record(traceName(keys.finalNorm), pooled!)
        case .siglip:
            output = try finalNorm(x)
            Tracing.record(traceName(keys.finalNorm), output)
            pooled = try head.map { head in
                let rows = Self.classTokens(of: Tracing.isRecording ? try head.tracedForward(output) : try head(output))
                Tracing.record(head.path, rows)
                return rows
            }
        case .dinov2, .dinov2WithRegisters:
            output = try finalNorm(x)
            Tracing.record(traceName(keys.finalNorm), output)
            pooled = Self.classTokens(of: output)
        }
        return VisionEncoderOutput(lastHiddenState: output, poolerOutput: pooled, hiddenStates: hiddenStates ? states : nil,
                                   grid: grid, prefixTokens: embeddings.prefixTokens)
    }

    /// The pooled output alone, `[B, D]` (`[B, P]` for SigLIP), nil for a SigLIP tower without its head: CLIP's
    /// `post_layernorm` of the class token and DINOv2's normed class token, for which the last layer computes only
    /// the class token's row (keys and values still come from every token; the other rows are never read again), and
    /// SigLIP's attention-pooling head, which reads every token and so runs the full pass. Equal to
    /// `encode(pixels).poolerOutput` up to rounding (the class token's query is a separate product).
    /// - Throws: ``ShapeError`` for bad pixels.
    public func pooledOutput(_ pixels: Tensor) throws -> Tensor? {
        if Tracing.isRecording { return try encode(pixels).poolerOutput }  // every module's output, as a hook sees it
        switch configuration.family {
        case .siglip:
            return try encode(pixels).poolerOutput
        case .clip, .dinov2, .dinov2WithRegisters:
            let (classTokens, _) = try run(pixels, layers: blocks.count, classTokensOnly: true) { _ in }
            return try finalNorm(classTokens)
        }
    }

    /// The features a vision-language model takes from this tower: `hidden_states[selection.layer]` (transformers'
    /// indexing: 0 is the embeddings output, `L` the last layer's output before any final norm, negative values
    /// count from the end), with the class and register tokens dropped unless `selection` keeps them, and the
    /// patch grid. Only the layers up to the selected one run.
    /// - Throws: ``ConfigurationError`` when the layer is out of range; ``ShapeError`` for bad pixels.
    public func features(_ pixels: Tensor, selection: FeatureSelection = .llava) throws -> ImageFeatures {
        let layer = try selection.resolvedLayer(layers: blocks.count)
        let (states, grid) = try run(pixels, layers: layer) { _ in }
        let prefix = embeddings.prefixTokens
        switch selection.tokens {
        case .all:
            return ImageFeatures(tokens: states, grid: grid, prefixTokens: prefix)
        case .patches:
            return ImageFeatures(tokens: try states.narrowed(axis: 1, start: prefix, length: grid.count), grid: grid)
        }
    }

    /// Embeds `pixels` and runs the first `layers` blocks, calling `observe` with the embeddings output and each
    /// block's output.
    /// With `classTokensOnly`, the last of the `layers` blocks computes row 0 of each image only, and the result is
    /// `[B, D]` (observe is not called for it).
    private func run(_ pixels: Tensor, layers: Int, classTokensOnly: Bool = false, observe: (Tensor) -> Void) throws -> (Tensor, PatchGrid) {
        // One OpenBLAS scope for the whole pass: the products inside nest in it (no switching between them).
        try ComputeThreads.withSingleThreadedBLAS {
            try runBlocks(pixels, layers: layers, classTokensOnly: classTokensOnly, observe: observe)
        }
    }

    private func runBlocks(_ pixels: Tensor, layers: Int, classTokensOnly: Bool, observe: (Tensor) -> Void) throws -> (Tensor, PatchGrid) {
        if Tracing.isRecording { return try tracedBlocks(pixels, layers: layers, classTokensOnly: classTokensOnly, observe: observe) }
        let (gh, gw) = try embeddings.patchEmbedding.grid(for: pixels)
        let batch = pixels.shape[0], d = configuration.hiddenSize
        let n = embeddings.tokenCount(gridHeight: gh, gridWidth: gw)
        let widest = max(3 * d, blocks.first?.mlp.scratchWidth ?? 1)
        for scratch in [[batch, n, widest], [configuration.heads, n, n]] {
            guard let count = Tensor.checkedCount(scratch), count <= SizeLimits.maximumActivationElements else {
                throw ShapeError(path: "embeddings", tensor: "pixel_values",
                                 expected: "an input whose scratch \(scratch.shapeDescription) stays within \(SizeLimits.maximumActivationElements) elements",
                                 actual: pixels.shape)
            }
        }
        var x = Tensor(shape: [batch, n, d]) { out in
            embeddings.apply(pixels, gridHeight: gh, gridWidth: gw, output: out.baseAddress!)
            preNorm?.apply(out.baseAddress!, rows: batch * n, output: out.baseAddress!)
        }
        observe(x)
        var workspace = BlockWorkspace(rows: batch * n, width: d, heads: configuration.heads, tokens: n,
                                       mlpScratch: blocks.first?.mlp.scratchWidth ?? 1)
        let selecting = classTokensOnly && layers > 0
        for block in blocks.prefix(selecting ? layers - 1 : layers) {
            x.withUnsafeMutableBufferPointer { buffer in
                block.apply(buffer.baseAddress!, batch: batch, tokens: n, workspace: &workspace)
            }
            observe(x)
        }
        if selecting {
            let last = blocks[layers - 1]
            let classTokens = Tensor(shape: [batch, d]) { out in
                x.withUnsafeBufferPointer { buffer in
                    last.applySelecting(buffer.baseAddress!, layout: .uniform(batch: batch, tokens: n),
                                        queryRows: Array(repeating: 0, count: batch), workspace: &workspace, output: out.baseAddress!)
                }
            }
            return (classTokens, PatchGrid(height: gh, width: gw))
        } else if classTokensOnly {
            return (Self.classTokens(of: x), PatchGrid(height: gh, width: gw))
        }
        return (x, PatchGrid(height: gh, width: gw))
    }

    /// ``runBlocks`` composed from tensor operations while a trace records (see ``Tracing``): the embeddings, CLIP's
    /// `pre_layrnorm` and every block record what PyTorch's forward hooks see.
    private func tracedBlocks(_ pixels: Tensor, layers: Int, classTokensOnly: Bool, observe: (Tensor) -> Void) throws -> (Tensor, PatchGrid) {
        let (gh, gw) = try embeddings.patchEmbedding.grid(for: pixels)
        var x = try embeddings.tracedForward(pixels)
        if let preNorm, let name = keys.preNorm {
            x = try preNorm(x)
            Tracing.record(traceName(name), x)
        }
        observe(x)
        for block in blocks.prefix(layers) {
            x = try block.tracedForward(x)
            observe(x)
        }
        return (classTokensOnly ? Self.classTokens(of: x) : x, PatchGrid(height: gh, width: gw))
    }

    /// `name` under this tower's path.
    func traceName(_ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// `last_hidden_state` with every block composed from tensor operations (``TransformerBlock/composedForward(_:)``)
    /// instead of the fused path: what `vlblocks bench encoder --composed` times against the fused encoder.
    package func composedLastHiddenState(_ pixels: Tensor) throws -> Tensor {
        var x = try embeddings(pixels)
        if let preNorm { x = try preNorm(x) }
        for block in blocks { x = try block.composedForward(x) }
        return configuration.family == .clip ? x : try finalNorm(x)
    }

    /// Row 0 of every batch element: `[B, N, D]` → `[B, D]`.
    static func classTokens(of x: Tensor) -> Tensor {
        let (batch, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        return Tensor(shape: [batch, d]) { out in
            x.withUnsafeBufferPointer { source in
                for b in 0..<batch { (out.baseAddress! + b * d).update(from: source.baseAddress! + b * n * d, count: d) }
            }
        }
    }

    /// FLOPs of one forward pass on `batch` images of `height x width` pixels (GEMMs and attention
    /// products; norms and activations are not counted).
    public func flops(batch: Int, height: Int, width: Int) -> Int {
        let p = configuration.patchSize
        let patches = (height / p) * (width / p)
        let n = embeddings.prefixTokens + patches
        var total = embeddings.patchEmbedding.flops(patches: batch * patches)
        for block in blocks { total += block.flops(batch: batch, tokens: n) }
        if let head { total += head.flops(batch: batch, tokens: n) }
        return total
    }
}
