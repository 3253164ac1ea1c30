public import VLCore

/// Multi-head attention with separate query, key and value projections from a query stream and a context of
/// other widths, grouped-query heads, optional per-head query/key layer norms and an optional output projection,
/// written with tensor operations: the attention of BERT-style cross-attention (BLIP-2's Q-Former), of perceiver
/// resamplers (IDEFICS2's `Idefics2PerceiverAttention`, IDEFICS's `IdeficsPerceiverAttention`) and of
/// LLaMA-style layers.
///
/// `queries [B, M, Dq]`, `context [B, N, Dc]` → `[B, M, D]` (`D = heads · headDimension`, or the output width).
/// Key `j` of `keyValueHeads` serves query heads `j·g ..< (j+1)·g` (`g = heads / keyValueHeads`, transformers'
/// `repeat_kv` order); the grouped heads share one product per key-value head, with no copy of the keys.
public struct ProjectedAttention: Module {
    /// Checkpoint names of the projections (relative to the module).
    public struct Names: Sendable, Equatable {
        public var query: String
        public var key: String
        public var value: String
        /// The output projection, or nil when the caller applies its own (BERT's `output.dense`).
        public var output: String?
        /// Per-head layer norms on queries and keys (IDEFICS's `q_layer_norm`, `k_layer_norm`), when present.
        public var queryNorm: String?
        public var keyNorm: String?

        public init(query: String, key: String, value: String, output: String?, queryNorm: String? = nil, keyNorm: String? = nil) {
            self.query = query
            self.key = key
            self.value = value
            self.output = output
            self.queryNorm = queryNorm
            self.keyNorm = keyNorm
        }

        /// `q_proj`, `k_proj`, `v_proj`, `o_proj` (LLaMA, IDEFICS2's perceiver).
        public static let llama = Names(query: "q_proj", key: "k_proj", value: "v_proj", output: "o_proj")
    }

    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear?
    public let queryNorm: LayerNorm?
    public let keyNorm: LayerNorm?
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    /// Multiplies the scores; `1 / sqrt(headDimension)`.
    public let scale: Float
    /// Whether queries are scaled before the product (`(q * scale) · kᵀ`, IDEFICS) rather than the scores after it.
    public let scalesQueries: Bool
    public let parameters: ParameterRecord

    /// - Parameters:
    ///   - queryWidth, contextWidth: `Dq`, `Dc`; `outputWidth` the output projection's width (default `Dq`).
    ///   - bias: biases on the projections.
    ///   - normEpsilon: epsilon of the per-head query/key layer norms.
    /// - Throws: ``ConfigurationError`` when `keyValueHeads` does not divide `heads`.
    public init(
        _ scope: ParameterScope, names: Names, queryWidth: Int, contextWidth: Int, heads: Int, keyValueHeads: Int? = nil,
        headDimension: Int, outputWidth: Int? = nil, bias: Bool, normEpsilon: Float = 1e-5, scalesQueries: Bool = false
    ) throws {
        let kvHeads = keyValueHeads ?? heads
        guard heads > 0, kvHeads > 0, heads % kvHeads == 0, headDimension > 0 else {
            throw ConfigurationError(field: scope.path("num_key_value_heads"),
                                     reason: "\(kvHeads) key-value heads do not divide \(heads) heads")
        }
        query = try Linear(scope[names.query], inFeatures: queryWidth, outFeatures: heads * headDimension, bias: bias)
        key = try Linear(scope[names.key], inFeatures: contextWidth, outFeatures: kvHeads * headDimension, bias: bias)
        value = try Linear(scope[names.value], inFeatures: contextWidth, outFeatures: kvHeads * headDimension, bias: bias)
        output = try names.output.map {
            try Linear(scope[$0], inFeatures: heads * headDimension, outFeatures: outputWidth ?? queryWidth, bias: bias)
        }
        queryNorm = try names.queryNorm.map { try LayerNorm(scope[$0], width: headDimension, epsilon: normEpsilon) }
        keyNorm = try names.keyNorm.map { try LayerNorm(scope[$0], width: headDimension, epsilon: normEpsilon) }
        self.heads = heads
        self.keyValueHeads = kvHeads
        self.headDimension = headDimension
        self.scale = 1 / Float(headDimension).squareRoot()
        self.scalesQueries = scalesQueries
        parameters = scope.recorded()
    }

    /// The query projection alone, split into heads: `[B, M, Dq]` → `[B, H, M, hd]` (after the query norm). Learned
    /// queries that do not depend on the input can be projected once and passed to ``attend(projectedQueries:context:mask:)``.
    public func projectQueries(_ queries: Tensor) throws -> Tensor {
        let projected = try query(queries)
        Tracing.record(query.path, projected)
        return try queryHeads(projected)
    }

    /// `[B, M, H·hd]` → `[B, H, M, hd]`, through the query norm when there is one.
    private func queryHeads(_ projected: Tensor) throws -> Tensor {
        let (batch, m) = (projected.shape[0], projected.shape[1])
        var q = try projected.reshaped([batch, m, heads, headDimension]).transposed(1, 2)
        if let queryNorm {
            q = try queryNorm(q)
            Tracing.record(queryNorm.path, q)
        }
        return q
    }

    /// `queries [B, M, Dq]` attend to `context [B, N, Dc]`; `mask` is added to the scores `[B, H, M, N]` under
    /// broadcasting (``AttentionMask/allowed(_:)`` marks the entries that take part).
    public func callAsFunction(queries: Tensor, context: Tensor, mask: AttentionMask? = nil) throws -> Tensor {
        let projected = try query(queries)
        Tracing.record(query.path, projected)
        return try attend(heads: nil, projected: projected, context: context, mask: mask)
    }

    /// Attention with queries already projected by ``projectQueries(_:)`` (`[B or 1, H, M, hd]`).
    public func attend(projectedQueries q: Tensor, context: Tensor, mask: AttentionMask? = nil) throws -> Tensor {
        try attend(heads: q, projected: nil, context: context, mask: mask)
    }

    /// The steps in the order PyTorch's modules run them (query, key and value projections, then the query and key
    /// norms), so that a trace records them in that order.
    private func attend(heads projectedHeads: Tensor?, projected: Tensor?, context: Tensor, mask: AttentionMask?) throws -> Tensor {
        guard context.rank == 3, context.shape[2] == key.inFeatures else {
            throw ShapeError(path: path, tensor: "context", expected: "[B, N, \(key.inFeatures)]", actual: context.shape)
        }
        let projectedKeys = try key(context), projectedValues = try value(context)
        Tracing.record(key.path, projectedKeys)
        Tracing.record(value.path, projectedValues)
        let q = try projectedHeads ?? queryHeads(projected!)
        guard q.rank == 4, q.shape[1] == heads, q.shape[0] == context.shape[0] || q.shape[0] == 1 else {
            throw ShapeError(path: path, tensor: "queries", expected: "[\(context.shape[0]) or 1, \(heads), M, \(headDimension)]",
                             actual: q.shape)
        }
        let (batch, n, m) = (context.shape[0], context.shape[1], q.shape[2])
        let group = heads / keyValueHeads
        var k = try projectedKeys.reshaped([batch, n, keyValueHeads, headDimension]).transposed(1, 2)  // [B, Hkv, N, hd]
        if let keyNorm {
            k = try keyNorm(k)
            Tracing.record(keyNorm.path, k)
        }
        let v = try projectedValues.reshaped([batch, n, keyValueHeads, headDimension]).transposed(1, 2)
        // The g query heads of a key-value head as one [g·M] block of rows: [B, Hkv, g·M, hd].
        var grouped = q.shape[0] == batch ? q : try q.expanded(to: [batch, heads, m, headDimension])
        grouped = try grouped.reshaped([batch, keyValueHeads, group * m, headDimension])
        if scalesQueries { grouped = grouped * scale }
        let groupedMask = try mask.map { try Self.grouped($0, heads: heads, keyValueHeads: keyValueHeads, queries: m) }
        let attended = try scaledDotProductAttention(query: grouped, key: k, value: v, mask: groupedMask,
                                                     scale: scalesQueries ? 1 : scale)
        let merged = try attended.reshaped([batch, heads, m, headDimension]).transposed(1, 2).reshaped([batch, m, heads * headDimension])
        let result = try output.map { try $0(merged) } ?? merged
        if let output { Tracing.record(output.path, result) }
        Tracing.record(path, result)
        return result
    }

    /// A mask over `[B?, H or 1, M or 1, N]` for the grouped layout `[B, Hkv, g·M, N]`.
    static func grouped(_ mask: AttentionMask, heads: Int, keyValueHeads: Int, queries m: Int) throws -> AttentionMask {
        let scores = mask.additiveScores
        guard scores.rank == 4 else {
            throw ShapeError(path: "attention", tensor: "mask", expected: "[B or 1, H or 1, M or 1, N]", actual: scores.shape)
        }
        let (b, h, rows, n) = (scores.shape[0], scores.shape[1], scores.shape[2], scores.shape[3])
        if h == 1 && rows == 1 { return .additive(scores) }
        let full = try scores.expanded(to: [b, heads, m, n])
        return .additive(try full.reshaped([b, keyValueHeads, heads / keyValueHeads * m, n]))
    }

    /// FLOPs for `batch` inputs of `queries` query rows (`sharedQueries`: projected once for the batch, or not at
    /// all when `queriesProjected`) over `keys` context rows.
    public func flops(batch: Int, queries m: Int, keys n: Int, queriesProjected: Bool = false) -> Int {
        let projections = (queriesProjected ? 0 : query.flops(rows: batch * m)) + key.flops(rows: batch * n) + value.flops(rows: batch * n)
        let products = 2 * 2 * batch * heads * m * n * headDimension
        return projections + products + (output?.flops(rows: batch * m) ?? 0)
    }
}
