public import VLCore

/// Multi-head scaled dot-product attention with learned projections: self-attention over `[B, N, D]`
/// tokens or cross-attention from `M` queries to `N` context tokens.
///
/// `softmax(Q Kᵀ / sqrt(head_dim) + mask) V` per head, then the output projection, as
/// `CLIPAttention`, DINOv2's attention, timm's `Attention` and `torch.nn.MultiheadAttention`. The
/// projections are one GEMM over all tokens of the batch; per-head products read the heads in place
/// from the fused projection buffer (leading dimension `3D`), so nothing is transposed or copied.
public struct MultiHeadAttention: Module {
    /// Query, key and value projections fused: weight `[3D, D]` (query rows, then key rows, then value
    /// rows), bias `[3D]` when present.
    public let inputProjection: Linear
    public let output: Linear
    public let heads: Int
    public let layout: AttentionKeyLayout
    public let parameters: ParameterRecord

    public var width: Int { inputProjection.inFeatures }
    public var headDimension: Int { width / heads }
    public var scale: Float { 1 / Float(headDimension).squareRoot() }

    /// Builds the module from `scope` with the names `layout` gives.
    /// - Throws: ``ConfigurationError`` when `heads` does not divide `width`; ``ParameterError`` for keys.
    public init(_ scope: ParameterScope, width: Int, heads: Int, layout: AttentionKeyLayout, bias: Bool = true) throws {
        guard heads > 0, width > 0, width % heads == 0 else {
            throw ConfigurationError(field: scope.path("num_attention_heads"),
                                     reason: "\(heads) heads do not divide the width \(width)")
        }
        let d = width
        // Packed weights need the key/value rows (from D) to start on a 16-row panel.
        let packing = scope.loader.prefersPackedWeights && d % 16 == 0
        // So do int8 ones (the same panels); other widths keep an fp32 input projection.
        let precision: Precision = d % 16 == 0 ? scope.loader.precision : .float32
        switch layout {
        case .separate(let q, let k, let v, let o):
            // One [3D, D] projection from the three checkpoint matrices (read as fp32, fused, then packed or quantised);
            // the record reads each back as its rows.
            let parts = try [q, k, v].map { try Linear(scope[$0], inFeatures: d, outFeatures: d, bias: bias, packing: false,
                                                        precision: .float32) }
            let fused = try Linear(weight: try Tensor(concatenating: parts.map(\.weight), axis: 0, placement: .pages),
                                   bias: bias ? try Tensor(concatenating: parts.map { $0.bias! }, axis: 0) : nil,
                                   path: scope.prefix, packing: packing, precision: precision)
            for (i, name) in [q, k, v].enumerated() {
                scope.rebind(name + ".weight") { try! fused.weight.narrowed(axis: 0, start: i * d, length: d) }
                if bias { scope.rebind(name + ".bias") { try! fused.bias!.narrowed(axis: 0, start: i * d, length: d) } }
            }
            inputProjection = fused
            output = try Linear(scope[o], inFeatures: d, outFeatures: d)
        case .fused(let qkv, let o):
            inputProjection = try Linear(scope[qkv], inFeatures: d, outFeatures: 3 * d, bias: bias, packing: packing,
                                         precision: precision)
            output = try Linear(scope[o], inFeatures: d, outFeatures: d)
        case .packedInProjection:
            let weight = try scope.load("in_proj_weight", shape: [3 * d, d], initializer: .fanIn(d))
            let inputBias = bias ? try scope.load("in_proj_bias", shape: [3 * d], initializer: .zeros) : nil
            let fused = try Linear(weight: weight, bias: inputBias, path: scope.prefix, packing: packing, precision: precision)
            scope.rebind("in_proj_weight") { fused.weight }
            inputProjection = fused
            output = try Linear(scope["out_proj"], inFeatures: d, outFeatures: d)
        }
        self.heads = heads
        self.layout = layout
        self.parameters = scope.recorded()
    }

    // MARK: Tensor API

    /// Self-attention: `[B, N, D]` → `[B, N, D]`.
    public func callAsFunction(_ x: Tensor, mask: AttentionMask? = nil) throws -> Tensor {
        try attend(queries: x, context: x, mask: mask, projectQueriesWithContext: true)
    }

    /// Cross-attention: `queries [Bq, M, D]` (Bq = B, or 1 to share the queries) attend to
    /// `context [B, N, D]`; returns `[B, M, D]`.
    public func callAsFunction(queries: Tensor, context: Tensor, mask: AttentionMask? = nil) throws -> Tensor {
        try attend(queries: queries, context: context, mask: mask, projectQueriesWithContext: false)
    }

    private func attend(queries: Tensor, context: Tensor, mask: AttentionMask?, projectQueriesWithContext: Bool) throws -> Tensor {
        let d = width
        guard context.rank == 3, context.shape[2] == d, context.shape[0] > 0 else {
            throw ShapeError(path: path, tensor: "context", expected: "[B, N, \(d)]", actual: context.shape)
        }
        let (batch, n) = (context.shape[0], context.shape[1])
        guard queries.rank == 3, queries.shape[2] == d, queries.shape[0] == batch || queries.shape[0] == 1 else {
            throw ShapeError(path: path, tensor: "queries", expected: "[\(batch) or 1, M, \(d)]", actual: queries.shape)
        }
        let m = queries.shape[1]
        let additive = try mask.map { try Self.additiveMask($0, batch: batch, queries: m, keys: n, path: path) }
        var workspace = AttentionWorkspace(rows: batch * max(n, m), width: d, heads: heads, queries: m, keys: n)
        return Tensor(shape: [batch, m, d]) { out in
            context.withUnsafeBufferPointer { c in
                queries.withUnsafeBufferPointer { q in
                    if projectQueriesWithContext {
                        selfAttention(c.baseAddress!, batch: batch, tokens: n, mask: additive, workspace: &workspace,
                                      output: out.baseAddress!, accumulate: false)
                    } else {
                        crossAttention(queries: q.baseAddress!, queryBatch: queries.shape[0], queryCount: m,
                                       context: c.baseAddress!, batch: batch, tokens: n, mask: additive,
                                       workspace: &workspace, output: out.baseAddress!)
                    }
                }
            }
        }
    }

    /// Self-attention written with tensor operations, step by step as `CLIPAttention.forward` reads: project,
    /// split heads `[B, H, N, hd]`, `scaled_dot_product_attention`, merge heads, output projection. The same
    /// result as ``callAsFunction(_:mask:)`` within fp32 rounding; the fused path is what runs (see
    /// Docs/Architecture.md for what fusing gains).
    package func composedSelfAttention(_ x: Tensor) throws -> Tensor {
        let (batch, n, d) = (x.shape[0], x.shape[1], width)
        let qkv = try inputProjection(x).reshaped([batch, n, 3, heads, headDimension]).permuted([2, 0, 3, 1, 4])  // [3, B, H, N, hd]
        let attended = try scaledDotProductAttention(query: qkv.selected(axis: 0, index: 0), key: qkv.selected(axis: 0, index: 1),
                                                     value: qkv.selected(axis: 0, index: 2), scale: scale)
        return try output(attended.transposed(1, 2).reshaped([batch, n, d]))
    }

    /// Converts a mask to additive form `[B, M, N]`, validating its shape.
    static func additiveMask(_ mask: AttentionMask, batch: Int, queries m: Int, keys n: Int, path: String) throws(ShapeError) -> Tensor {
        let tensor: Tensor
        switch mask {
        case .additive(let t): tensor = t
        case .allowed(let t): tensor = t
        }
        let valid = (tensor.rank == 2 && tensor.shape == [m, n]) || (tensor.rank == 3 && tensor.shape == [batch, m, n])
        guard valid else {
            throw ShapeError(path: path, tensor: "mask", expected: "[\(batch), \(m), \(n)] or [\(m), \(n)]", actual: tensor.shape)
        }
        return Tensor(shape: [batch, m, n]) { out in
            tensor.withUnsafeBufferPointer { source in
                for b in 0..<batch {
                    let from = tensor.rank == 2 ? source.baseAddress! : source.baseAddress! + b * m * n
                    for i in 0..<(m * n) {
                        switch mask {
                        case .additive: out[b * m * n + i] = from[i]
                        case .allowed: out[b * m * n + i] = from[i] != 0 ? 0 : -.infinity
                        }
                    }
                }
            }
        }
    }

    // MARK: Pointer API (the encoder's fused block, within the package)

    /// Self-attention over `input [B * N, D]` into `output [B * N, D]`; with `accumulate`, the result is
    /// added to `output` (a fused residual connection).
    package func selfAttention(
        _ input: UnsafePointer<Float>, batch: Int, tokens n: Int, mask: Tensor? = nil,
        workspace: inout AttentionWorkspace, output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        selfAttention(input, layout: .uniform(batch: batch, tokens: n), mask: mask, workspace: &workspace, output: output,
                      accumulate: accumulate)
    }

    /// Self-attention over the sequences of `layout` (each attends within itself): one projection GEMM over all rows,
    /// attention per sequence with its block of `mask` (see ``SequenceLayout``), one output GEMM.
    package func selfAttention(
        _ input: UnsafePointer<Float>, layout: SequenceLayout, mask: Tensor? = nil,
        workspace: inout AttentionWorkspace, output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let d = width, rows = layout.rows, longest = layout.longest
        precondition(mask.map { $0.count == layout.maskCount } ?? true, "mask does not match the sequence layout")
        workspace.reserve(rows: rows, width: d, heads: heads, queries: longest, keys: longest)
        let qkv = workspace.projections, context = workspace.context, scores = workspace.scores
        inputProjection.apply(input, rows: rows, output: qkv)
        ComputeThreads.withSingleThreadedBLAS { mask.withOptionalPointer { maskPointer in
            layout.forEachSequence { firstRow, n, maskOffset in
                let base = qkv + firstRow * 3 * d
                ScaledDotProductAttention.compute(
                    queries: base, queryStride: 3 * d, keys: base + d, keyStride: 3 * d, values: base + 2 * d,
                    valueStride: 3 * d, queryCount: n, keyCount: n, heads: heads, headDimension: headDimension,
                    scale: scale, mask: maskPointer.map { $0 + maskOffset }, scores: scores,
                    output: context + firstRow * d, outputStride: d)
            }
        } }
        self.output.apply(context, rows: rows, output: output, accumulate: accumulate)
    }

    /// Self-attention answered for one query row per sequence: keys and values from every row of `input` (per
    /// `layout`), queries from row `queryRows[s]` of sequence `s` (counted within it), attending with that row of the
    /// sequence's `mask` block. `output [S, D]` (S sequences); with `accumulate`, added to it. What a last layer needs
    /// when only a class token or a pooled position is read after it: the other rows' queries, output projection and
    /// MLP are never computed.
    package func selfAttention(
        _ input: UnsafePointer<Float>, layout: SequenceLayout, queryRows: [Int], mask: Tensor? = nil,
        workspace: inout AttentionWorkspace, output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let d = width, rows = layout.rows, count = queryRows.count
        precondition(mask.map { $0.count == layout.maskCount } ?? true, "mask does not match the sequence layout")
        workspace.reserve(rows: max(rows, count), width: d, heads: heads, queries: 1, keys: layout.longest)
        let keyValues = workspace.projections  // [rows, 2D]
        let gathered = workspace.context, projected = workspace.queries  // [S, D] each
        inputProjection.apply(input, rows: rows, features: d..<(3 * d), output: keyValues)
        var firstRows: [Int] = []
        layout.forEachSequence { firstRow, _, _ in firstRows.append(firstRow) }
        precondition(firstRows.count == count, "one query row per sequence")
        for s in 0..<count { (gathered + s * d).update(from: input + (firstRows[s] + queryRows[s]) * d, count: d) }
        projectQueries(gathered, rows: count, output: projected)
        let attended = workspace.context  // the gathered rows are no longer needed
        ComputeThreads.withSingleThreadedBLAS { mask.withOptionalPointer { maskPointer in
            var s = 0
            layout.forEachSequence { firstRow, n, maskOffset in
                let kv = keyValues + firstRow * 2 * d
                ScaledDotProductAttention.compute(
                    queries: projected + s * d, queryStride: d, keys: kv, keyStride: 2 * d, values: kv + d, valueStride: 2 * d,
                    queryCount: 1, keyCount: n, heads: heads, headDimension: headDimension, scale: scale,
                    mask: maskPointer.map { $0 + maskOffset + queryRows[s] * n }, scores: workspace.scores,
                    output: attended + s * d, outputStride: d)
                s += 1
            }
        } }
        self.output.apply(attended, rows: count, output: output, accumulate: accumulate)
    }

    /// Cross-attention from `queries [Bq * M, D]` to `context [B * N, D]` into `output [B * M, D]`.
    /// - Parameter queriesAreProjected: `queries` already went through the query projection (learned queries
    ///   projected once, at load time, by ``projectQueries(_:rows:output:)``).
    package func crossAttention(
        queries: UnsafePointer<Float>, queryBatch: Int, queryCount m: Int, context: UnsafePointer<Float>,
        batch: Int, tokens n: Int, mask: Tensor?, workspace: inout AttentionWorkspace, output: UnsafeMutablePointer<Float>,
        queriesAreProjected: Bool = false
    ) {
        let d = width
        workspace.reserve(rows: batch * max(n, m), width: d, heads: heads, queries: m, keys: n)
        let keyValues = workspace.projections  // [B * N, 2D]
        let attended = workspace.context  // [B * M, D]
        let projectedQueries: UnsafePointer<Float>  // [Bq * M, D]
        if queriesAreProjected {
            projectedQueries = queries
        } else {
            projectQueries(queries, rows: queryBatch * m, output: workspace.queries)
            projectedQueries = UnsafePointer(workspace.queries)
        }
        inputProjection.apply(context, rows: batch * n, features: d..<(3 * d), output: keyValues)
        ComputeThreads.withSingleThreadedBLAS { mask.withOptionalPointer { maskPointer in
            for image in 0..<batch {
                let kv = keyValues + image * n * 2 * d
                ScaledDotProductAttention.compute(
                    queries: projectedQueries + (queryBatch == 1 ? 0 : image * m * d), queryStride: d,
                    keys: kv, keyStride: 2 * d, values: kv + d, valueStride: 2 * d, queryCount: m, keyCount: n,
                    heads: heads, headDimension: headDimension, scale: scale,
                    mask: maskPointer.map { $0 + image * m * n }, scores: workspace.scores,
                    output: attended + image * m * d, outputStride: d)
            }
        } }
        self.output.apply(attended, rows: batch * m, output: output)
    }

    /// The query projection alone: `output[rows, D] = queries · W_qᵀ + b_q`.
    package func projectQueries(_ queries: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        inputProjection.apply(queries, rows: rows, features: 0..<width, output: output)
    }

    /// FLOPs of self-attention over `batch x tokens` (projections, scores, weighted values).
    /// - Parameters:
    ///   - sharedQueries: one set of queries serves the whole batch (learned queries).
    ///   - queriesProjected: the queries arrive already projected (projected once, at load time).
    public func flops(batch: Int, queries m: Int, keys n: Int, sharedQueries: Bool = false, queriesProjected: Bool = false) -> Int {
        let d = width
        let queryProjection = queriesProjected ? 0 : 2 * (sharedQueries ? 1 : batch) * m * d * d
        let keyValueProjection = 2 * batch * n * d * 2 * d
        let products = 2 * 2 * batch * m * n * d
        return queryProjection + keyValueProjection + products + 2 * batch * m * d * d
    }
}
