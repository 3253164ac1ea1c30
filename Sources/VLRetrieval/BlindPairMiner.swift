public import VLCore

/// A pair of images `first < second` (row indices) with both cosines.
public struct BlindPair: Sendable, Hashable {
    public var first: Int
    public var second: Int
    public var clipCosine: Float
    public var dinoCosine: Float

    public init(first: Int, second: Int, clipCosine: Float, dinoCosine: Float) {
        self.first = first
        self.second = second
        self.clipCosine = clipCosine
        self.dinoCosine = dinoCosine
    }

    /// The report order: CLIP cosine descending, then DINOv2 cosine ascending, then the indices.
    public static func reportOrder(_ a: BlindPair, _ b: BlindPair) -> Bool {
        if a.clipCosine != b.clipCosine { return a.clipCosine > b.clipCosine }
        if a.dinoCosine != b.dinoCosine { return a.dinoCosine < b.dinoCosine }
        return (a.first, a.second) < (b.first, b.second)
    }
}

/// Mines CLIP-blind pairs ("Eyes Wide Shut", Tong et al., 2024): image pairs `i < j` whose CLIP embeddings are nearly
/// the same (`clip_cosine > clipMinimum`) while DINOv2 sees them as different (`dino_cosine < dinoMaximum`), each
/// cosine the fp32 dot product of stored L2-normalised embeddings.
///
/// The CLIP similarities come tile by tile from one GEMM per tile (`C_i C_jᵀ`, tiles with `j >= i` only, each
/// column tile packed once for VLBlocks' micro-kernel); the DINOv2 cosine is computed for the CLIP candidates only.
/// No `N x N` matrix is ever held: memory is the two embedding matrices plus a tile.
public struct BlindPairMiner: Sendable {
    public var clipMinimum: Float
    public var dinoMaximum: Float
    /// Rows and columns per similarity tile.
    public var tile: Int

    public init(clipMinimum: Float = 0.95, dinoMaximum: Float = 0.6, tile: Int = 1024) {
        self.clipMinimum = clipMinimum
        self.dinoMaximum = dinoMaximum
        self.tile = max(tile, 16)
    }

    /// What one run did: the pairs and the work.
    public struct Result: Sendable {
        public var pairs: [BlindPair]
        /// Multiply-adds of the similarity tiles, times two.
        public var flops: Int
    }

    /// The CLIP-blind pairs whose first image lies in `rows` (all rows by default), in report order.
    /// - Throws: ``ShapeError`` when `clip` and `dino` are not `[N, Dc]` and `[N, Dd]` with the same N.
    public func mine(clip: Tensor, dino: Tensor, rows: Range<Int>? = nil) throws -> Result {
        guard clip.rank == 2, dino.rank == 2, clip.shape[0] == dino.shape[0] else {
            throw ShapeError(path: "blind-pairs", tensor: "dino embeddings", expected: "[\(clip.shape.first ?? 0), D] (one row per CLIP row)",
                             actual: dino.shape)
        }
        let n = clip.shape[0], dc = clip.shape[1], dd = dino.shape[1]
        let block = rows ?? 0..<n
        guard block.lowerBound >= 0, block.upperBound <= n else {
            throw ShapeError(path: "blind-pairs", tensor: "rows", expected: "a range inside 0 ..< \(n)", actual: [block.lowerBound, block.upperBound])
        }
        var pairs: [BlindPair] = []
        var flops = 0
        var buffer = Tensor(shape: [tile, tile])
        let packed = VectorKernels.isAvailable
        try clip.withUnsafeBufferPointer { c in
            try dino.withUnsafeBufferPointer { d in
                var j0 = block.lowerBound - block.lowerBound % tile
                while j0 < n {
                    let j1 = min(n, j0 + tile)
                    // Pairs (i, j) with i in the block, i < j: rows of the block below j1.
                    let iEnd = min(block.upperBound, j1)
                    if iEnd > block.lowerBound {
                        let columns = try clip.narrowed(axis: 0, start: j0, length: j1 - j0)
                        let weight = packed ? PackedWeight(packing: columns) : nil
                        var i0 = block.lowerBound
                        while i0 < iEnd {
                            let i1 = min(iEnd, i0 + tile)
                            buffer.withUnsafeMutableBufferPointer { s in
                                let out = s.baseAddress!
                                if let weight {
                                    weight.multiply(c.baseAddress! + i0 * dc, rows: i1 - i0, inputStride: dc, features: 0..<(j1 - j0),
                                                    output: out, outputStride: tile, accumulate: false)
                                } else {
                                    columns.withUnsafeBufferPointer { w in
                                        GEMM.multiply(transposeB: true, m: i1 - i0, n: j1 - j0, k: dc, a: c.baseAddress! + i0 * dc, lda: dc,
                                                      b: w.baseAddress!, ldb: dc, c: out, ldc: tile)
                                    }
                                }
                                flops += 2 * (i1 - i0) * (j1 - j0) * dc
                                pairs += Self.scan(out, stride: tile, rows: i0..<i1, columns: j0..<j1, clipMinimum: clipMinimum,
                                                   dinoMaximum: dinoMaximum, dino: d.baseAddress!, width: dd)
                            }
                            i0 = i1
                        }
                    }
                    j0 = j1
                }
            }
        }
        pairs.sort(by: BlindPair.reportOrder)
        return Result(pairs: pairs, flops: flops)
    }

    /// The pairs of one tile: CLIP cosine above the minimum (j > i), then the DINOv2 cosine below the maximum.
    static func scan(_ scores: UnsafePointer<Float>, stride: Int, rows: Range<Int>, columns: Range<Int>, clipMinimum: Float,
                     dinoMaximum: Float, dino: UnsafePointer<Float>, width: Int) -> [BlindPair] {
        let threshold = Float8(repeating: clipMinimum)
        let found = LockedValue<[BlindPair]>([])
        parallelChunks(count: rows.count, minimumChunk: max(1, 65_536 / max(columns.count, 1))) { chunk in
            var local: [BlindPair] = []
            for r in chunk {
                let i = rows.lowerBound + r
                let row = scores + r * stride
                // Columns j > i only.
                let start = max(0, i + 1 - columns.lowerBound)
                var c = start
                while c < columns.count {
                    let count = min(8, columns.count - c)
                    let v = count == 8 ? Float8.load(row + c) : Float8.loadPartial(row + c, count: count, fill: -.infinity)
                    if any(v .> threshold) {
                        for lane in 0..<count where row[c + lane] > clipMinimum {
                            let j = columns.lowerBound + c + lane
                            let cosine = dot(dino + i * width, dino + j * width, count: width)
                            if cosine < dinoMaximum {
                                local.append(BlindPair(first: i, second: j, clipCosine: row[c + lane], dinoCosine: cosine))
                            }
                        }
                    }
                    c += 8
                }
            }
            if !local.isEmpty { found.withLock { $0 += local } }
        }
        return found.withLock { $0 }
    }

    /// `Σ a[k] b[k]` in fp32, eight lanes at a time.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = Float8()
        var k = 0
        while k + 8 <= count { sum += Float8.load(a + k) * Float8.load(b + k); k += 8 }
        var total = sum.sum()
        while k < count { total += a[k] * b[k]; k += 1 }
        return total
    }

    /// Both cosines of pairs `(i, j)`, for the report's histogram.
    public static func cosines(of pairs: [(Int, Int)], clip: Tensor, dino: Tensor) -> [(clip: Float, dino: Float)] {
        let (dc, dd) = (clip.shape[1], dino.shape[1])
        return clip.withUnsafeBufferPointer { c in
            dino.withUnsafeBufferPointer { d in
                pairs.map { i, j in
                    (dot(c.baseAddress! + i * dc, c.baseAddress! + j * dc, count: dc), dot(d.baseAddress! + i * dd, d.baseAddress! + j * dd, count: dd))
                }
            }
        }
    }
}
