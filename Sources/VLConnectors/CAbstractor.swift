public import VLCore

/// Honeybee's C-Abstractor: learned `pos_emb` added to the tokens, a RegNet stage `net.0` (`Dv → hidden`),
/// adaptive average pooling `net.1` to `sqrt(T) x sqrt(T)`, a second stage `net.2` (`hidden → hidden`),
/// then the ``Readout``. Computed channels-last throughout: every 1x1 convolution is one GEMM over all
/// pixels of the batch and `LayerNorm2d` a row layer norm, so no tensor is ever transposed.
///
/// Keys: `pos_emb [1, N, Dv]` (an `N + 1`-row table from older checkpoints drops its first row),
/// `net.0.b1.conv1.conv.weight`, `net.0.b1.conv1.bn.weight`, ..., `net.2.bK.*`, `readout.0.weight`, ...
public struct CAbstractor: Connector {
    public let configuration: ConnectorConfiguration
    /// `[N, Dv]`, or nil without a position embedding.
    public let positionEmbedding: Tensor?
    /// Whether the stored table had a leading class-token row (kept for ``visitParameters(_:)``).
    let storedClassRow: Tensor?
    public let stage1: RegNetStage
    public let stage2: RegNetStage
    public let readout: Readout
    public let queries: Int
    public let path: String

    public var inputWidth: Int { stage1.blocks.first?.inChannels ?? 0 }
    public var outputWidth: Int { readout.outputWidth }
    /// The token count the position embedding fixes, when there is one.
    public var inputTokens: Int? { positionEmbedding?.shape[0] }

    /// Builds the connector; `inputTokens` sizes a generated `pos_emb` (a loaded one brings its own size).
    public init(
        _ scope: ParameterScope, encoderWidth dv: Int, hiddenWidth: Int, outputWidth: Int, depth: Int, mlpDepth: Int,
        queries: Int, positionEmbedding: Bool, inputTokens: Int
    ) throws {
        configuration = .cAbstractor(encoderWidth: dv, hiddenWidth: hiddenWidth, outputWidth: outputWidth, depth: depth,
                                     mlpDepth: mlpDepth, queries: queries, positionEmbedding: positionEmbedding)
        try configuration.validate()
        path = scope.prefix
        if positionEmbedding {
            let table = try scope.loader.loadAnyShape(scope.path("pos_emb"), fallbackShape: [1, inputTokens, dv],
                                                      initializer: .random(std: 0.02))
            let rows = table.rank == 3 && table.shape[0] == 1 && table.shape[2] == dv ? table.shape[1] : -1
            func isSquare(_ n: Int) -> Bool { let s = Int(Double(n).squareRoot().rounded()); return n > 0 && s * s == n }
            if rows > 0, isSquare(rows) {
                self.positionEmbedding = try table.reshaped([rows, dv])
                storedClassRow = nil
            } else if rows > 1, isSquare(rows - 1) {
                let flat = try table.reshaped([rows, dv])
                storedClassRow = Tensor(shape: [1, dv]) { out in flat.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: dv) } }
                self.positionEmbedding = Tensor(shape: [rows - 1, dv]) { out in
                    flat.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress! + dv, count: (rows - 1) * dv) }
                }
            } else {
                throw ParameterError.shapeMismatch(path: scope.path("pos_emb"), expected: [1, inputTokens, dv], actual: table.shape)
            }
        } else {
            self.positionEmbedding = nil
            storedClassRow = nil
        }
        stage1 = try RegNetStage(scope["net.0"], depth: depth, inChannels: dv, outChannels: hiddenWidth)
        stage2 = try RegNetStage(scope["net.2"], depth: depth, inChannels: hiddenWidth, outChannels: hiddenWidth)
        readout = try Readout(scope["readout"], depth: mlpDepth, inputWidth: hiddenWidth, outputWidth: outputWidth)
        self.queries = queries
    }

    public func outputTokens(forInputTokens n: Int) throws -> Int {
        _ = try squareSide(n, path: path, tensor: "image_features")
        if let inputTokens, inputTokens != n {
            throw ShapeError(path: path, tensor: "image_features", expected: "[B, \(inputTokens), \(inputWidth)] (pos_emb fixes N)",
                             actual: [n])
        }
        return queries
    }

    /// `[B, h*h, Dv]` → `[B, T, Dl]`.
    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        let (batch, n) = try validate(features, path: path)
        let side = try squareSide(n, path: path, tensor: "image_features")
        if let inputTokens, inputTokens != n {
            throw ShapeError(path: path, tensor: "image_features", expected: "[B, \(inputTokens), \(inputWidth)] (pos_emb fixes N)",
                             actual: features.shape)
        }
        let dv = inputWidth, hidden = stage2.blocks.last?.outChannels ?? stage1.blocks.last!.outChannels
        let outSide = Int(Double(queries).squareRoot().rounded())
        var x = features
        if let positionEmbedding {
            x.withUnsafeMutableBufferPointer { buffer in
                positionEmbedding.withUnsafeBufferPointer { pos in
                    for image in 0..<batch { Self.add(pos.baseAddress!, into: buffer.baseAddress! + image * n * dv, count: n * dv) }
                }
            }
        }
        let first = UnsafeMutablePointer<Float>.allocate(capacity: batch * n * hidden)
        let pooled = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * hidden)
        let second = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * hidden)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: batch * queries * max(outputWidth, 1))
        defer { first.deallocate(); pooled.deallocate(); second.deallocate(); scratch.deallocate() }
        x.withUnsafeBufferPointer { stage1.apply($0.baseAddress!, batch: batch, height: side, width: side, output: first) }
        Pooling.adaptiveAverageTokens(first, batch: batch, height: side, width: side, channels: hidden, outHeight: outSide,
                                      outWidth: outSide, output: pooled)
        stage2.apply(pooled, batch: batch, height: outSide, width: outSide, output: second)
        return Tensor(shape: [batch, queries, outputWidth]) { out in
            readout.apply(second, rows: batch * queries, scratch: scratch, output: out.baseAddress!)
        }
    }

    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { (Float8.load(target + i) + Float8.load(source + i)).store(target + i); i += 8 }
        while i < count { target[i] += source[i]; i += 1 }
    }

    public func visitParameters(_ visit: (String, Tensor) throws -> Void) rethrows {
        if let positionEmbedding {
            let (rows, d) = (positionEmbedding.shape[0], positionEmbedding.shape[1])
            if let storedClassRow {
                let full = Tensor(shape: [1, rows + 1, d]) { out in
                    storedClassRow.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: d) }
                    positionEmbedding.withUnsafeBufferPointer { (out.baseAddress! + d).update(from: $0.baseAddress!, count: rows * d) }
                }
                try visit("pos_emb", full)
            } else {
                try visit("pos_emb", try! positionEmbedding.reshaped([1, rows, d]))
            }
        }
        try stage1.visitParameters(prefix: "net.0", visit)
        try stage2.visitParameters(prefix: "net.2", visit)
        try readout.visitParameters(prefix: "readout", visit)
    }

    public func flops(batch: Int, inputTokens n: Int) -> Int {
        stage1.flops(batch: batch, pixels: n) + stage2.flops(batch: batch, pixels: queries) + readout.flops(rows: batch * queries)
    }
}
