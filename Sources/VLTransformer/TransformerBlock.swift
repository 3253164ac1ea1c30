public import VLAttention
public import VLCore

/// A pre-LN transformer block: `x += ls1 * attn(norm1(x))`, then `x += ls2 * mlp(norm2(x))`, where the
/// LayerScale factors `ls1`, `ls2` (DINOv2's `layer_scale{1,2}.lambda1`) are optional.
///
/// Mirrors `CLIPEncoderLayer`, `SiglipEncoderLayer`, `Dinov2Layer` and timm's `Block`. Without LayerScale
/// the residual additions are fused into the output GEMMs (`beta = 1`).
public struct TransformerBlock: Layer {
    /// Key names inside one block.
    public struct KeyLayout: Sendable, Equatable {
        public var norm1: String
        public var attention: String
        public var norm2: String
        public var mlp: String
        /// `layer_scale1.lambda1`-style names, or nil without LayerScale.
        public var layerScale1: String?
        public var layerScale2: String?

        /// CLIP and SigLIP: `layer_norm1`, `self_attn`, `layer_norm2`, `mlp`.
        public static let clip = KeyLayout(norm1: "layer_norm1", attention: "self_attn", norm2: "layer_norm2", mlp: "mlp")
        /// DINOv2: `norm1`, `attention`, `layer_scale1.lambda1`, `norm2`, `mlp`, `layer_scale2.lambda1`.
        public static let dinov2 = KeyLayout(norm1: "norm1", attention: "attention", norm2: "norm2", mlp: "mlp",
                                             layerScale1: "layer_scale1.lambda1", layerScale2: "layer_scale2.lambda1")
        /// timm `Block`: `norm1`, `attn`, `ls1.gamma`, `norm2`, `mlp`, `ls2.gamma` (when LayerScale is used).
        public static let timm = KeyLayout(norm1: "norm1", attention: "attn", norm2: "norm2", mlp: "mlp")

        public init(norm1: String, attention: String, norm2: String, mlp: String, layerScale1: String? = nil,
                    layerScale2: String? = nil) {
            self.norm1 = norm1
            self.attention = attention
            self.norm2 = norm2
            self.mlp = mlp
            self.layerScale1 = layerScale1
            self.layerScale2 = layerScale2
        }
    }

    public let keys: KeyLayout
    public let norm1: LayerNorm
    public let attention: MultiHeadAttention
    public let layerScale1: Tensor?
    public let norm2: LayerNorm
    public let mlp: MLP
    public let layerScale2: Tensor?
    public let parameters: ParameterRecord

    public var width: Int { norm1.width }

    public init(
        _ scope: ParameterScope, keys: KeyLayout, width: Int, heads: Int, attentionLayout: AttentionKeyLayout,
        qkvBias: Bool = true, mlpHidden: Int, mlpKind: MLP.Kind, mlpLayout: MLP.KeyLayout = .fc, epsilon: Float
    ) throws {
        self.keys = keys
        norm1 = try LayerNorm(scope[keys.norm1], width: width, epsilon: epsilon)
        attention = try MultiHeadAttention(scope[keys.attention], width: width, heads: heads, layout: attentionLayout,
                                           bias: qkvBias)
        layerScale1 = try keys.layerScale1.map { try scope.load($0, shape: [width], initializer: .ones) }
        norm2 = try LayerNorm(scope[keys.norm2], width: width, epsilon: epsilon)
        mlp = try MLP(scope[keys.mlp], inFeatures: width, hiddenFeatures: mlpHidden, kind: mlpKind, layout: mlpLayout)
        layerScale2 = try keys.layerScale2.map { try scope.load($0, shape: [width], initializer: .ones) }
        parameters = scope.recorded()
    }

    /// `[B, N, D]` → `[B, N, D]`.
    public func callAsFunction(_ x: Tensor) throws(ShapeError) -> Tensor {
        guard x.rank == 3, x.shape[2] == width, x.shape[0] > 0 else {
            throw ShapeError(path: path, tensor: "hidden_states", expected: "[B, N, \(width)]", actual: x.shape)
        }
        var result = x
        var workspace = BlockWorkspace(rows: x.shape[0] * x.shape[1], width: width, heads: attention.heads,
                                       tokens: x.shape[1], mlpScratch: mlp.scratchWidth)
        result.withUnsafeMutableBufferPointer { buffer in
            apply(buffer.baseAddress!, batch: x.shape[0], tokens: x.shape[1], workspace: &workspace)
        }
        return result
    }

    /// Runs the block in place on the residual stream `x [B * N, D]`.
    /// `mask` (additive, `[B, N, N]`) is added to every head's scores: the causal and padding masks of text towers.
    package func apply(_ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, mask: Tensor? = nil, workspace: inout BlockWorkspace) {
        apply(x, layout: .uniform(batch: batch, tokens: tokens), mask: mask, workspace: &workspace)
    }

    /// The block over the sequences of `layout` in `x [rows, D]` (packed sequences attend within themselves; norms,
    /// projections and the MLP run over all rows at once).
    package func apply(_ x: UnsafeMutablePointer<Float>, layout: SequenceLayout, mask: Tensor? = nil, workspace: inout BlockWorkspace) {
        let rows = layout.rows, d = width
        let normed = workspace.normed
        norm1.apply(x, rows: rows, output: normed)
        if let layerScale1 {
            attention.selfAttention(normed, layout: layout, mask: mask, workspace: &workspace.attention,
                                    output: workspace.branch, accumulate: false)
            Self.addScaled(workspace.branch, scale: layerScale1, into: x, rows: rows, width: d)
        } else {
            attention.selfAttention(normed, layout: layout, mask: mask, workspace: &workspace.attention,
                                    output: x, accumulate: true)
        }
        norm2.apply(x, rows: rows, output: normed)
        if let layerScale2 {
            mlp.apply(normed, rows: rows, hidden: workspace.hidden, output: workspace.branch)
            Self.addScaled(workspace.branch, scale: layerScale2, into: x, rows: rows, width: d)
        } else {
            mlp.apply(normed, rows: rows, hidden: workspace.hidden, output: x, accumulate: true)
        }
    }

    /// The block's output for one row per sequence of `layout` (`queryRows[s]`, counted within sequence `s`) into
    /// `output [S, D]`: every row of `x [rows, D]` gives keys and values, only the selected rows go through the query
    /// and output projections, the residuals and the MLP. The same rows as ``apply(_:layout:mask:workspace:)`` gives
    /// (up to rounding of the separate query product); `x` is left unchanged.
    package func applySelecting(
        _ x: UnsafePointer<Float>, layout: SequenceLayout, queryRows: [Int], mask: Tensor? = nil,
        workspace: inout BlockWorkspace, output: UnsafeMutablePointer<Float>
    ) {
        let rows = layout.rows, count = queryRows.count, d = width
        let normed = workspace.normed
        norm1.apply(x, rows: rows, output: normed)
        var s = 0
        layout.forEachSequence { firstRow, _, _ in
            (output + s * d).update(from: x + (firstRow + queryRows[s]) * d, count: d)
            s += 1
        }
        if let layerScale1 {
            attention.selfAttention(normed, layout: layout, queryRows: queryRows, mask: mask, workspace: &workspace.attention,
                                    output: workspace.branch, accumulate: false)
            Self.addScaled(workspace.branch, scale: layerScale1, into: output, rows: count, width: d)
        } else {
            attention.selfAttention(normed, layout: layout, queryRows: queryRows, mask: mask, workspace: &workspace.attention,
                                    output: output, accumulate: true)
        }
        norm2.apply(output, rows: count, output: normed)
        if let layerScale2 {
            mlp.apply(normed, rows: count, hidden: workspace.hidden, output: workspace.branch)
            Self.addScaled(workspace.branch, scale: layerScale2, into: output, rows: count, width: d)
        } else {
            mlp.apply(normed, rows: count, hidden: workspace.hidden, output: output, accumulate: true)
        }
    }

    /// The block written with tensor operations, as `CLIPEncoderLayer.forward` / `Dinov2Layer.forward` read:
    /// `x + ls1 * attn(norm1(x))`, then `x + ls2 * mlp(norm2(x))`. The same result as ``callAsFunction(_:)``
    /// within fp32 rounding, without the fused residuals and shared scratch (Docs/Architecture.md measures both).
    package func composedForward(_ x: Tensor) throws -> Tensor {
        var branch = try attention.composedSelfAttention(try norm1(x))
        if let layerScale1 { branch = try branch * layerScale1 }
        let h = try x + branch
        branch = try mlp.composedForward(try norm2(h))
        if let layerScale2 { branch = try branch * layerScale2 }
        return try h + branch
    }

    /// `x[r, :] += scale ⊙ branch[r, :]`.
    static func addScaled(_ branch: UnsafePointer<Float>, scale: Tensor, into x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        scale.withUnsafeBufferPointer { s in
            let gains = s.baseAddress!
            parallelChunks(count: rows, minimumChunk: max(1, 16_384 / max(width, 1))) { range in
                for r in range {
                    let xr = x + r * width, br = branch + r * width
                    var j = 0
                    while j + 8 <= width {
                        (Float8.load(xr + j) + Float8.load(gains + j) * Float8.load(br + j)).store(xr + j)
                        j += 8
                    }
                    while j < width { xr[j] += gains[j] * br[j]; j += 1 }
                }
            }
        }
    }

    /// FLOPs of one block over `batch x tokens`.
    public func flops(batch: Int, tokens: Int) -> Int {
        attention.flops(batch: batch, queries: tokens, keys: tokens) + mlp.flops(rows: batch * tokens)
    }
}

/// Scratch for running transformer blocks: one allocation per forward pass, reused by every layer.
package struct BlockWorkspace: ~Copyable {
    package var attention: AttentionWorkspace
    package let normed: UnsafeMutablePointer<Float>
    package let branch: UnsafeMutablePointer<Float>
    package let hidden: UnsafeMutablePointer<Float>

    package init(rows: Int, width: Int, heads: Int, tokens: Int, mlpScratch: Int) {
        attention = AttentionWorkspace(rows: rows, width: width, heads: heads, queries: tokens, keys: tokens)
        normed = .allocate(capacity: max(rows * width, 1))
        branch = .allocate(capacity: max(rows * width, 1))
        hidden = .allocate(capacity: max(rows * mlpScratch, 1))
    }

    deinit {
        normed.deallocate()
        branch.deallocate()
        hidden.deallocate()
    }
}
