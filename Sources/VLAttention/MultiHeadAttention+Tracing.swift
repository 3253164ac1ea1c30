package import VLCore

extension MultiHeadAttention {
    /// The child modules a forward hook sees inside this attention, named as transformers 5.23 names them: the
    /// query, key, value and output projections of `CLIPAttention` / `SiglipAttention` (`q_proj` ... `out_proj`) and
    /// of `Dinov2Attention` (`q_proj` ... `o_proj`, also for checkpoints with 4.x key names), timm's `qkv` and
    /// `proj`; none for `nn.MultiheadAttention`, whose projections are not called as modules.
    package var traceChildren: (query: String, key: String, value: String, output: String)? {
        switch layout {
        case .separate(_, _, _, let o) where o == "attention.output.dense" || o == "output.dense":
            return ("q_proj", "k_proj", "v_proj", "o_proj")  // DINOv2 4.x keys, 5.x module tree
        case let .separate(q, k, v, o):
            return (q, k, v, o)
        case .fused, .packedInProjection:
            return nil
        }
    }

    /// Attention composed from tensor operations, recording the projections under `base` (the attention module's
    /// path): queries from `queries [B or 1, M, D]`, keys and values from `context [B, N, D]` (nil: self-attention),
    /// `mask` additive scores `[B, M, N]` or broadcasting to `[B, H, M, N]`. Returns the output projection's output
    /// `[B, M, D]`, which is also what the attention module returns.
    package func tracedAttention(_ queries: Tensor, context other: Tensor? = nil, mask: Tensor? = nil, base: String) throws -> Tensor {
        let context = other ?? queries
        let d = width, hd = headDimension
        let (batch, n) = (context.shape[0], context.shape[1])
        let (queryBatch, m) = (queries.shape[0], queries.shape[1])
        let fromQueries = try inputProjection(queries)
        let fromContext = other == nil ? fromQueries : try inputProjection(context)
        let q = try fromQueries.narrowed(axis: 2, start: 0, length: d)
        let k = try fromContext.narrowed(axis: 2, start: d, length: d)
        let v = try fromContext.narrowed(axis: 2, start: 2 * d, length: d)
        func child(_ name: String) -> String { base.isEmpty ? name : base + "." + name }
        if let names = traceChildren {
            Tracing.record(child(names.query), q)
            Tracing.record(child(names.key), k)
            Tracing.record(child(names.value), v)
        } else if case .fused(let qkv, _) = layout {
            Tracing.record(child(qkv), fromQueries)
        }
        func heads(_ x: Tensor, _ b: Int, _ rows: Int) throws -> Tensor {
            try x.reshaped([b, rows, self.heads, hd]).transposed(1, 2)  // [b, H, rows, hd]
        }
        let attended = try scaledDotProductAttention(
            query: heads(q, queryBatch, m), key: heads(k, batch, n), value: heads(v, batch, n),
            mask: try mask.map { .additive($0.rank == 3 ? try $0.reshaped([$0.shape[0], 1, $0.shape[1], $0.shape[2]]) : $0) }, scale: scale)
        let merged = try attended.transposed(1, 2).reshaped([max(batch, queryBatch), m, d])
        let result = try output(merged)
        if let names = traceChildren {
            Tracing.record(child(names.output), result)
        } else if case .fused(_, let proj) = layout {
            Tracing.record(child(proj), result)
        }
        return result
    }
}
