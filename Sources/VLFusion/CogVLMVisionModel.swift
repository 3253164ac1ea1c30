public import VLCore
public import VLPatchEmbedding

/// CogVLM's vision side (`model.vision`, `EVA2CLIPModel` of `visual.py`): pixels to the image rows of the language
/// model's sequence, boi and eoi included.
///
/// ```
/// x = [cls_embedding, patch_embedding.proj(pixels)] + position_embedding     // [B, 1 + N, Dv]
/// x = transformer.layers(x)[:, 1:]                                          // post-norm EVA2-CLIP layers, class token dropped
/// x = conv(x as a g x g map)                                                // CogVLM2 only: 2x2 merge, stride 2 → [B, N/4, Dm]
/// x = [boi, linear_proj(x), eoi]                                            // the GLU adapter → [B, n_v, D]
/// ```
/// CogVLM2's published `visual.py` merges to the tower's own width (`Dm = Dv`; GLM-4V's arrangement merges to `D`): the
/// merge's width is read from the checkpoint's `conv.weight`, and the adapter takes rows of that width.
/// `pixel_values [B, C, S, S]` (S = `image_size`, already normalised) → `image_embeds [B, n_v, D]` with `n_v = N + 2`
/// (CogVLM) or `N / 4 + 2` (CogVLM2), `N = (S / patch_size)²`.
///
/// Keys (relative to `model.vision`): `patch_embedding.proj.{weight,bias}`, `patch_embedding.cls_embedding [1, Dv]`,
/// `patch_embedding.position_embedding.weight [num_positions, Dv]`, `transformer.layers.{i}.*` (``EVA2CLIPLayer``),
/// `conv.{weight [Dm, Dv, 2, 2], bias [Dm]}` (CogVLM2), `linear_proj.*` (``GLUAdapter``, input width `Dv` or `Dm`), `boi`, `eoi`
/// `[1, 1, D]`.
public struct CogVLMVisionModel: Layer {
    public let configuration: CogVLMConfiguration
    public let patchEmbedding: PatchEmbedding
    /// `[1, Dv]`.
    public let classEmbedding: Tensor
    /// `[num_positions, Dv]`: the class token's row, then one per patch in row-major order.
    public let positionEmbedding: Tensor
    public let layers: [EVA2CLIPLayer]
    /// CogVLM2's 2x2 merge (`conv`), nil in CogVLM.
    public let merge: Conv2d?
    public let adapter: GLUAdapter
    /// `[1, 1, D]`.
    public let beginOfImage: Tensor
    public let endOfImage: Tensor
    public let parameters: ParameterRecord

    public var vision: CogVLMVisionConfiguration { configuration.vision! }

    /// Builds the vision side from `scope`, with `layerCount` layers and, when `mergeWidth` is given, CogVLM2's 2x2 merge
    /// to that width (the tower's width in CogVLM2).
    /// - Throws: ``ConfigurationError`` without a `vision_config`, or with an odd grid and a merge; ``ParameterError``.
    public init(_ scope: ParameterScope, configuration c: CogVLMConfiguration, layerCount: Int, mergeWidth: Int?) throws {
        try c.validate()
        guard let v = c.vision else { throw ConfigurationError(field: "vision_config", reason: "missing (required by the vision side)") }
        try SizeLimits.checkDepth(layerCount, field: "vision layers")
        if let mergeWidth { try SizeLimits.checkDimension(mergeWidth, field: "model.vision.conv.weight: output channels") }
        if mergeWidth != nil, v.gridSide % 2 != 0 {
            throw ConfigurationError(field: "vision_config.image_size",
                                     reason: "the 2x2 merge needs an even grid; \(v.imageSize) / \(v.patchSize) = \(v.gridSide)")
        }
        configuration = c
        let embedding = scope["patch_embedding"]
        patchEmbedding = try PatchEmbedding(embedding["proj"], channels: v.channels, width: v.hiddenSize, patchSize: v.patchSize, bias: true)
        classEmbedding = try embedding.load("cls_embedding", shape: [1, v.hiddenSize], initializer: .random(std: 0.02))
        positionEmbedding = try embedding.load("position_embedding.weight", shape: [v.positions, v.hiddenSize], initializer: .random(std: 0.02))
        layers = try (0..<layerCount).map { try EVA2CLIPLayer(scope["transformer.layers", $0], configuration: v) }
        merge = try mergeWidth.map { width in
            try Conv2d(scope["conv"], geometry: .init(inChannels: v.hiddenSize, outChannels: width, kernel: 2, stride: 2), bias: true)
        }
        adapter = try GLUAdapter(scope["linear_proj"], inFeatures: mergeWidth ?? v.hiddenSize, width: c.hiddenSize,
                                 hiddenFeatures: c.intermediateSize)
        beginOfImage = try scope.load("boi", shape: [1, 1, c.hiddenSize], initializer: .random(std: 0.02))
        endOfImage = try scope.load("eoi", shape: [1, 1, c.hiddenSize], initializer: .random(std: 0.02))
        parameters = scope.recorded()
    }

    /// Loads the vision side a checkpoint holds under `prefix` (`model.vision.` by default): every consecutive
    /// `transformer.layers.{i}` from 0 (not `num_hidden_layers`), and the 2x2 merge when `conv.weight` is present (its
    /// output width as stored).
    /// Strict: a missing key, a wrong shape, or a key nobody reads is a ``ParameterError`` naming it.
    public static func load(
        configuration: CogVLMConfiguration, weights: any ParameterSource, prefix: String = "model.vision.", packWeights: Bool? = nil
    ) throws -> CogVLMVisionModel {
        let names = Set(weights.tensorNames)
        var count = 0
        while names.contains(where: { $0.hasPrefix("\(prefix)transformer.layers.\(count).") }) { count += 1 }
        let loader = ParameterLoader(source: weights, packWeights: packWeights)
        let scope = prefix.isEmpty ? loader.root : loader.root[String(prefix.dropLast())]
        return try loader.build { _ in
            try CogVLMVisionModel(scope, configuration: configuration, layerCount: count,
                                  mergeWidth: loader.storedShape(of: prefix + "conv.weight").map { $0.first ?? 0 })
        }
    }

    /// Image rows per image: `N + 2`, or `N / 4 + 2` with the merge.
    public var outputTokens: Int {
        let patches = vision.gridSide * vision.gridSide
        return (merge == nil ? patches : patches / 4) + 2
    }

    /// `pixel_values [B, C, S, S]` → `image_embeds [B, n_v, D]`.
    /// - Throws: ``ShapeError`` when the pixels are not `[B, in_channels, image_size, image_size]` (the position table is
    ///   not interpolated), or when a batch this large would need activations above
    ///   ``SizeLimits/maximumActivationElements`` (checked before allocating).
    public func callAsFunction(_ pixels: Tensor) throws -> Tensor {
        let (v, d) = (vision, configuration.hiddenSize)
        let tower = try towerOutput(pixels)
        let batch = tower.shape[0]
        var x = try tower.narrowed(axis: 1, start: 1, length: tower.shape[1] - 1)  // the class token dropped
        if let merge {
            let map = try x.reshaped([batch, v.gridSide, v.gridSide, v.hiddenSize]).permuted([0, 3, 1, 2])  // [B, Dv, g, g]
            x = try merge(map).reshaped([batch, merge.geometry.outChannels, -1]).transposed(1, 2)  // [B, N/4, Dm]
        }
        return try Tensor(concatenating: [try beginOfImage.expanded(to: [batch, 1, d]), try adapter(x),
                                          try endOfImage.expanded(to: [batch, 1, d])], axis: 1)
    }

    /// The EVA2-CLIP tower's output, before the class token is dropped: `[B, 1 + N, Dv]` (an observable intermediate).
    public func towerOutput(_ pixels: Tensor) throws -> Tensor {
        let v = vision
        guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape[1...]) == [v.channels, v.imageSize, v.imageSize] else {
            throw ShapeError(path: path, tensor: "pixel_values", expected: "[B, \(v.channels), \(v.imageSize), \(v.imageSize)]",
                             actual: pixels.shape)
        }
        let batch = pixels.shape[0]
        let widest = max(v.intermediateSize, 3 * v.hiddenSize, configuration.intermediateSize)
        guard let count = Tensor.checkedCount([batch, v.positions, widest]), count <= SizeLimits.maximumActivationElements else {
            throw ShapeError(path: path, tensor: "pixel_values",
                             expected: "at most \(SizeLimits.maximumActivationElements / (v.positions * widest)) images per call", actual: pixels.shape)
        }
        let classToken = try classEmbedding.unsqueezed(axis: 0).expanded(to: [batch, 1, v.hiddenSize])
        var x = try Tensor(concatenating: [classToken, try patchEmbedding(pixels)], axis: 1) + positionEmbedding
        for layer in layers { x = try layer(x) }
        return x
    }
}
