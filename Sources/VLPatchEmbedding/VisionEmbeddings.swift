public import VLCore

/// The token sequence a ViT starts from: patch tokens, a class token in front, learned positions added,
/// and register tokens inserted after the class token (they get no position), as DINOv2 with registers.
///
/// Output rows per image: `[class] [registers...] [patches in row-major order]`. The layout of the
/// checkpoint keys differs per family; ``EmbeddingKeys`` names them.
public struct VisionEmbeddings: Layer {
    /// Key names of one family's embedding parameters (relative to the embeddings module).
    public struct EmbeddingKeys: Sendable, Equatable {
        public var patch: String
        public var patchBias: Bool
        /// The class token, or nil when the family has none (SigLIP).
        public var classToken: String?
        /// The stored shape of the class token: `[D]` (CLIP) or `[1, 1, D]` (DINOv2).
        public var classTokenHasBatchAxes: Bool
        public var position: String
        /// Whether the position table is stored `[1, N, D]` (DINOv2) rather than `[N, D]`.
        public var positionHasBatchAxis: Bool
        public var registers: String?
        public var maskToken: String?

        /// CLIP: `patch_embedding` (no bias), `class_embedding [D]`, `position_embedding.weight [1 + g*g, D]`.
        public static let clip = EmbeddingKeys(
            patch: "patch_embedding", patchBias: false, classToken: "class_embedding", classTokenHasBatchAxes: false,
            position: "position_embedding.weight", positionHasBatchAxis: false, registers: nil, maskToken: nil)
        /// SigLIP: `patch_embedding` with bias, no class token, `position_embedding.weight [g*g, D]`.
        public static let siglip = EmbeddingKeys(
            patch: "patch_embedding", patchBias: true, classToken: nil, classTokenHasBatchAxes: false,
            position: "position_embedding.weight", positionHasBatchAxis: false, registers: nil, maskToken: nil)
        /// DINOv2: `patch_embeddings.projection`, `cls_token [1, 1, D]`, `position_embeddings [1, 1 + g*g, D]`,
        /// `mask_token [1, D]` (unused at inference), `register_tokens [1, R, D]` with registers.
        public static func dinov2(registers: Bool, maskToken: Bool) -> EmbeddingKeys {
            EmbeddingKeys(
                patch: "patch_embeddings.projection", patchBias: true, classToken: "cls_token", classTokenHasBatchAxes: true,
                position: "position_embeddings", positionHasBatchAxis: true, registers: registers ? "register_tokens" : nil,
                maskToken: maskToken ? "mask_token" : nil)
        }
    }

    public let keys: EmbeddingKeys
    public let patchEmbedding: PatchEmbedding
    /// `[D]`, when the family has a class token.
    public let classToken: Tensor?
    public let positions: PositionEmbedding
    /// `[R, D]`, when the family has registers.
    public let registers: Tensor?
    /// `[1, D]`: loaded so that checkpoints load strictly; only used for masked pre-training.
    public let maskToken: Tensor?
    public let parameters: ParameterRecord

    public var width: Int { patchEmbedding.width }
    /// Tokens before the patches: class token and registers.
    public var prefixTokens: Int { (classToken == nil ? 0 : 1) + (registers?.shape[0] ?? 0) }

    public init(
        _ scope: ParameterScope, keys: EmbeddingKeys, channels: Int, width: Int, patchSize: Int, nativeGrid: Int,
        registerCount: Int, interpolation: PositionInterpolation, nativeImageSize: Int? = nil
    ) throws {
        self.keys = keys
        patchEmbedding = try PatchEmbedding(scope[keys.patch], channels: channels, width: width, patchSize: patchSize,
                                            bias: keys.patchBias, nativeImageSize: nativeImageSize)
        if let name = keys.classToken {
            let shape = keys.classTokenHasBatchAxes ? [1, 1, width] : [width]
            classToken = try scope.load(name, shape: shape, initializer: .random(std: 0.02)).reshaped([width])
        } else {
            classToken = nil
        }
        let rows = (keys.classToken == nil ? 0 : 1) + nativeGrid * nativeGrid
        let stored = keys.positionHasBatchAxis ? [1, rows, width] : [rows, width]
        let table = try scope.load(keys.position, shape: stored, initializer: .random(std: 0.02)).reshaped([rows, width])
        positions = try PositionEmbedding(table: table, classRows: keys.classToken == nil ? 0 : 1,
                                          interpolation: interpolation, path: scope.path(keys.position))
        if let name = keys.registers, registerCount > 0 {
            registers = try scope.load(name, shape: [1, registerCount, width], initializer: .random(std: 0.02))
                .reshaped([registerCount, width])
        } else {
            registers = nil
        }
        if let name = keys.maskToken {
            maskToken = try scope.load(name, shape: [1, width], initializer: .zeros)
        } else {
            maskToken = nil
        }
        parameters = scope.recorded()
    }

    /// Token count for an image of `gridHeight x gridWidth` patches.
    public func tokenCount(gridHeight: Int, gridWidth: Int) -> Int { prefixTokens + gridHeight * gridWidth }

    /// `pixels [B, C, H, W]` → `[B, prefix + (H/p)(W/p), D]`.
    public func callAsFunction(_ pixels: Tensor) throws(ShapeError) -> Tensor {
        let (gh, gw) = try patchEmbedding.grid(for: pixels)
        let n = tokenCount(gridHeight: gh, gridWidth: gw)
        return Tensor(shape: [pixels.shape[0], n, width]) { out in
            apply(pixels, gridHeight: gh, gridWidth: gw, output: out.baseAddress!)
        }
    }

    /// Writes `[B, tokens, D]` to `output` for pixels that passed ``PatchEmbedding/grid(for:)``.
    package func apply(_ pixels: Tensor, gridHeight gh: Int, gridWidth gw: Int, output: UnsafeMutablePointer<Float>) {
        let batch = pixels.shape[0], d = width, patches = gh * gw
        let tokens = tokenCount(gridHeight: gh, gridWidth: gw)
        let patchTokens = UnsafeMutablePointer<Float>.allocate(capacity: batch * patches * d)
        defer { patchTokens.deallocate() }
        patchEmbedding.apply(pixels, output: patchTokens)
        let table = positions.embeddings(gridHeight: gh, gridWidth: gw)
        let registerCount = registers?.shape[0] ?? 0
        table.withUnsafeBufferPointer { pos in
            for b in 0..<batch {
                var row = output + b * tokens * d
                if let classToken {
                    classToken.withUnsafeBufferPointer { cls in
                        for j in 0..<d { row[j] = cls[j] + pos[j] }
                    }
                    row += d
                }
                if let registers {
                    registers.withUnsafeBufferPointer { row.update(from: $0.baseAddress!, count: registerCount * d) }
                    row += registerCount * d
                }
                let patchPositions = pos.baseAddress! + positions.classRows * d
                let source = patchTokens + b * patches * d
                for i in 0..<(patches * d) { row[i] = source[i] + patchPositions[i] }
            }
        }
    }
}
