public import VLCore
import VLAttention

/// What a text tower returns, named as transformers names it.
public struct TextEncoderOutput: Sendable {
    /// `[B, N, D]` after the final layer norm; nil when only the pooled output was asked for.
    public var lastHiddenState: Tensor?
    /// `[B, D]` (CLIP: the end-of-text token's state) or `[B, P]` (SigLIP: `head` of the last position).
    public var poolerOutput: Tensor
}

/// A text tower: token and learned position embeddings, pre-LN blocks, final layer norm and pooling, as
/// `CLIPTextModel` and `SiglipTextModel` of transformers 5.23.
///
/// - CLIP: causal attention plus the padding mask (`attention_mask`); the pooled row is the first `eos_token_id`
///   position, or, when the config says `eos_token_id == 2` (configs from before transformers fixed it), the position
///   of the largest id.
/// - SigLIP: bidirectional attention over every position, padding included (its tokenizer pads to 64 and returns no
///   mask; a mask given anyway is applied, as transformers does); the pooled row is the last position, through `head`.
///
/// Keys (relative to the tower; checkpoints may add `text_model.`): `embeddings.token_embedding.weight [V, D]`,
/// `embeddings.position_embedding.weight [P, D]`, `encoder.layers.{i}.{layer_norm1,self_attn.{q,k,v,out}_proj,
/// layer_norm2,mlp.fc1,mlp.fc2}.*`, `final_layer_norm.*`, and SigLIP's `head.*`.
public struct TextTransformer: Module {
    public let configuration: TextTransformerConfiguration
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNorm
    /// SigLIP's `head`.
    public let head: Linear?
    public let parameters: ParameterRecord

    public init(_ scope: ParameterScope, configuration c: TextTransformerConfiguration) throws {
        try c.validate()
        configuration = c
        tokenEmbedding = try Embedding(scope["embeddings.token_embedding"], count: c.vocabularySize, width: c.hiddenSize)
        positionEmbedding = try Embedding(scope["embeddings.position_embedding"], count: c.maxPositions, width: c.hiddenSize)
        blocks = try (0..<c.layers).map { i in
            try TransformerBlock(scope["encoder.layers", i], keys: .clip, width: c.hiddenSize, heads: c.heads, attentionLayout: .clip,
                                 mlpHidden: c.intermediateSize, mlpKind: .standard(c.activation), epsilon: c.layerNormEpsilon)
        }
        finalNorm = try LayerNorm(scope["final_layer_norm"], width: c.hiddenSize, epsilon: c.layerNormEpsilon)
        head = c.family == .siglip ? try Linear(scope["head"], inFeatures: c.hiddenSize, outFeatures: c.projectionSize) : nil
        parameters = scope.recorded()
    }

    /// The pooled position of each sequence: CLIP's end-of-text rule, SigLIP's last position.
    public func pooledPositions(_ ids: [[Int]]) -> [Int] {
        ids.map { row in
            switch configuration.family {
            case .siglip:
                return row.count - 1
            case .clip where configuration.eosTokenID == 2:
                return row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0
            case .clip:
                return row.firstIndex(of: configuration.eosTokenID) ?? 0
            }
        }
    }

    /// Encodes `inputIDs [B][N]` (one length per batch, at most `max_position_embeddings`), with `attentionMask`
    /// `[B][N]` (1 = real token, 0 = padding) when given.
    ///
    /// With `lastHiddenState: false` only the pooled output is computed; for CLIP, whose attention is causal, the
    /// positions after the last pooled one cannot change it, so they are not computed (the result is the same).
    /// - Throws: ``ShapeError`` for ids out of the vocabulary, rows of different lengths, a mask of another shape,
    ///   or sequences longer than the position table.
    public func encode(inputIDs: [[Int]], attentionMask: [[Int]]? = nil, lastHiddenState: Bool = true) throws -> TextEncoderOutput {
        let batch = inputIDs.count
        let length = inputIDs.first?.count ?? 0
        guard batch > 0, length > 0, length <= configuration.maxPositions else {
            throw ShapeError(path: path, tensor: "input_ids", expected: "[B, N] with 0 < N <= \(configuration.maxPositions)",
                             actual: [batch, length])
        }
        if let attentionMask, attentionMask.count != batch || attentionMask.contains(where: { $0.count != length }) {
            throw ShapeError(path: path, tensor: "attention_mask", expected: [batch, length].shapeDescription,
                             actual: [attentionMask.count, attentionMask.first?.count ?? 0])
        }
        let pooled = pooledPositions(inputIDs)
        if Tracing.isRecording { return try tracedEncode(inputIDs, attentionMask: attentionMask, pooled: pooled) }
        if !lastHiddenState && configuration.family == .clip {
            return TextEncoderOutput(lastHiddenState: nil, poolerOutput: try pooledCausal(inputIDs, attentionMask: attentionMask, pooled: pooled))
        }
        var x = try tokenEmbedding(inputIDs)
        x = try x + positionEmbedding.weight.narrowed(axis: 0, start: 0, length: length)
        let layout = SequenceLayout.uniform(batch: batch, tokens: length)
        let mask = additiveMask(batch: batch, length: length, attentionMask: attentionMask)
        // The final norm acts row by row: on every position when they are returned, else on the pooled rows only
        // (and then the last block computes only those rows).
        let hidden = lastHiddenState ? try finalNorm(run(x, layout: layout, mask: mask)) : nil
        var pooledRows = try hidden.map { Self.rows($0, at: pooled) }
            ?? (try finalNorm(run(x, layout: layout, mask: mask, selecting: pooled)))
        if let head { pooledRows = try head(pooledRows) }
        return TextEncoderOutput(lastHiddenState: hidden, poolerOutput: pooledRows)
    }

    /// CLIP's pooled output alone. Attention is causal, so a sequence's pooled position sees only the positions up to
    /// it: each sequence runs on its first `pooled + 1` positions, packed without padding (``SequenceLayout/packed``),
    /// and the projections and MLPs cost the real tokens only. The result equals the padded computation. (A pooled
    /// position whose keys are all masked, e.g. a left-padded row whose pad is the end token, averages the values of
    /// every position, as the padded computation does: that sequence keeps its full length.)
    func pooledCausal(_ inputIDs: [[Int]], attentionMask: [[Int]]?, pooled: [Int]) throws -> Tensor {
        let lengths = pooled.enumerated().map { b, position in
            attentionMask.map { !$0[b][...position].contains { $0 != 0 } } == true ? inputIDs[b].count : position + 1
        }
        let packedIDs = zip(inputIDs, lengths).flatMap { row, n in row.prefix(n) }
        let d = configuration.hiddenSize
        var x = try tokenEmbedding([packedIDs]).reshaped([packedIDs.count, d])
        x.withUnsafeMutableBufferPointer { out in
            positionEmbedding.weight.withUnsafeBufferPointer { table in
                var row = 0
                for n in lengths {
                    for position in 0..<n {
                        let target = out.baseAddress! + (row + position) * d, source = table.baseAddress! + position * d
                        for j in 0..<d { target[j] += source[j] }
                    }
                    row += n
                }
            }
        }
        let layout = SequenceLayout.packed(lengths: lengths)
        // Causal scores plus the padding mask, one [n, n] block per sequence.
        let masked = -Float.greatestFiniteMagnitude
        let scores = Tensor(shape: [layout.maskCount]) { out in
            var offset = 0
            for (b, n) in lengths.enumerated() {
                for i in 0..<n {
                    for j in 0..<n { out[offset + i * n + j] = j <= i && (attentionMask?[b][j] ?? 1) != 0 ? 0 : masked }
                }
                offset += n * n
            }
        }
        return try finalNorm(run(x, layout: layout, mask: scores, selecting: pooled))
    }

    /// Runs every block over `x [rows, D]` → `[rows, D]`; with `selecting` (one row per sequence, counted within it),
    /// the last block computes only those rows → `[S, D]`.
    private func run(_ input: Tensor, layout: SequenceLayout, mask: Tensor?, selecting queryRows: [Int]? = nil) -> Tensor {
        var x = input
        let d = configuration.hiddenSize
        return ComputeThreads.withSingleThreadedBLAS {
            var workspace = BlockWorkspace(rows: layout.rows, width: d, heads: configuration.heads,
                                           tokens: layout.longest, mlpScratch: blocks.first?.mlp.scratchWidth ?? 1)
            let full = queryRows == nil ? blocks[...] : blocks.dropLast()
            x.withUnsafeMutableBufferPointer { buffer in
                for block in full { block.apply(buffer.baseAddress!, layout: layout, mask: mask, workspace: &workspace) }
            }
            guard let queryRows else { return x }
            return Tensor(shape: [queryRows.count, d]) { out in
                x.withUnsafeBufferPointer { buffer in
                    if let last = blocks.last {
                        last.applySelecting(buffer.baseAddress!, layout: layout, queryRows: queryRows, mask: mask, workspace: &workspace,
                                            output: out.baseAddress!)
                    } else {  // no blocks: the embeddings' rows
                        var s = 0
                        layout.forEachSequence { firstRow, _, _ in
                            (out.baseAddress! + s * d).update(from: buffer.baseAddress! + (firstRow + queryRows[s]) * d, count: d)
                            s += 1
                        }
                    }
                }
            }
        }
    }

    /// ``encode(inputIDs:attentionMask:lastHiddenState:)`` composed from tensor operations while a trace records,
    /// recording what hooks on `CLIPTextModel` / `SiglipTextModel` see: `embeddings.token_embedding`,
    /// `embeddings.position_embedding` `[1, N, D]`, `embeddings`, every layer, `encoder`, `final_layer_norm`, SigLIP's
    /// `head`.
    private func tracedEncode(_ inputIDs: [[Int]], attentionMask: [[Int]]?, pooled: [Int]) throws -> TextEncoderOutput {
        func child(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
        let (batch, length) = (inputIDs.count, inputIDs[0].count)
        let tokens = try tokenEmbedding(inputIDs)
        Tracing.record(tokenEmbedding.path, tokens)
        let positions = try positionEmbedding.weight.narrowed(axis: 0, start: 0, length: length).unsqueezed(axis: 0)
        Tracing.record(positionEmbedding.path, positions)
        var x = try tokens + positions
        Tracing.record(child("embeddings"), x)
        let mask = additiveMask(batch: batch, length: length, attentionMask: attentionMask)
        for block in blocks { x = try block.tracedForward(x, mask: mask) }
        Tracing.record(child("encoder"), x)
        let hidden = try finalNorm(x)
        Tracing.record(finalNorm.path, hidden)
        var pooledRows = Self.rows(hidden, at: pooled)
        if let head {
            pooledRows = try head(pooledRows)
            Tracing.record(head.path, pooledRows)
        }
        return TextEncoderOutput(lastHiddenState: hidden, poolerOutput: pooledRows)
    }

    /// `x[b, positions[b]]` for every batch element: `[B, N, D]` → `[B, D]`.
    static func rows(_ x: Tensor, at positions: [Int]) -> Tensor {
        let (n, d) = (x.shape[1], x.shape[2])
        return Tensor(shape: [positions.count, d]) { out in
            x.withUnsafeBufferPointer { source in
                for (b, position) in positions.enumerated() {
                    (out.baseAddress! + b * d).update(from: source.baseAddress! + (b * n + position) * d, count: d)
                }
            }
        }
    }

    /// The additive scores mask `[B, N, N]`: causal for CLIP, plus the padding of `attentionMask`; nil when nothing is
    /// masked. Masked scores get the most negative fp32 value, as transformers' masks do (a row with every key masked
    /// then averages instead of turning into NaN).
    func additiveMask(batch: Int, length n: Int, attentionMask: [[Int]]?) -> Tensor? {
        let causal = configuration.family == .clip
        guard causal || attentionMask?.contains(where: { $0.contains(0) }) == true else { return nil }
        let masked = -Float.greatestFiniteMagnitude
        return Tensor(shape: [batch, n, n]) { out in
            for b in 0..<batch {
                let keep = attentionMask?[b]
                for i in 0..<n {
                    for j in 0..<n {
                        let allowed = (!causal || j <= i) && (keep?[j] ?? 1) != 0
                        out[(b * n + i) * n + j] = allowed ? 0 : masked
                    }
                }
            }
        }
    }

    /// FLOPs of one call on `batch` sequences of `tokens` tokens.
    public func flops(batch: Int, tokens: Int) -> Int {
        blocks.reduce(0) { $0 + $1.flops(batch: batch, tokens: tokens) } + (head?.flops(rows: batch) ?? 0)
    }
}
