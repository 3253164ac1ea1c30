public import VLCore

/// CogVLM's token types: a sequence is `[bos, boi, patches..., eoi, text...]` with the image rows typed vision.
public enum TokenType: Int, Sendable, CaseIterable {
    case language = 0
    case vision = 1
}

/// Which expert each position of a batch uses, and its rotary position id, from `token_type_ids [B, L]` and an optional
/// `attention_mask [B, L]` (1 = keep, 0 = padding, left or right): CogVLM's `get_expert_mask` and `build_position_ids`
/// (`modeling_cogvlm.py`).
///
/// - **Expert mask**: a position goes to the vision expert iff it is vision and the next position is vision too; the last
///   position is always language. boi and the patches take the vision expert, eoi the language expert. The mask reads
///   the token types only (padding does not change it).
/// - **Position ids**: boi and eoi count as language. Position 0 has id 0; from position 1 on, a kept position advances
///   the id if it is language, or the first vision position after a language one; further vision positions repeat it.
///   An image spans three ids (boi, every patch, eoi). Padded positions never advance it: left pads get 0 (so bos then
///   gets 1), right pads repeat the last id.
///
/// ```
/// types     0  1  1  1  1  0  0      (bos, boi, two patches, eoi, text, text)
/// expert    L  V  V  V  L  L  L
/// position  0  1  2  2  3  4  5
/// ```
public struct ExpertRouting: Sendable {
    public let batch: Int
    public let length: Int
    /// Row indices `b · L + l` of the positions the vision expert takes, ascending.
    public let visionRows: [Int]
    /// Row indices of the positions the language expert takes, ascending.
    public let languageRows: [Int]
    /// `[B][L]` rotary position ids.
    public let positionIDs: [[Int]]
    /// `[B, L]`, 1 = kept, 0 = padding; nil when nothing is padded.
    public let keyMask: Tensor?

    /// - Parameters:
    ///   - tokenTypeIDs: `[B][L]`, every value 0 (language) or 1 (vision), rows of one length.
    ///   - attentionMask: `[B][L]` of 0 and 1, or nil (nothing padded).
    /// - Throws: ``ShapeError`` naming `token_type_ids` or `attention_mask`: an empty batch, rows of other lengths, or a
    ///   value other than 0 and 1.
    public init(tokenTypeIDs: [[Int]], attentionMask: [[Int]]? = nil) throws(ShapeError) {
        let (batch, length) = (tokenTypeIDs.count, tokenTypeIDs.first?.count ?? 0)
        let path = "cogvlm"
        guard batch > 0, length > 0, tokenTypeIDs.allSatisfy({ $0.count == length }) else {
            throw ShapeError(path: path, tensor: "token_type_ids", expected: "[B, L] with B, L > 0 and rows of one length",
                             actual: [batch, tokenTypeIDs.map(\.count).max() ?? 0])
        }
        try Self.checkBinary(tokenTypeIDs, name: "token_type_ids", meaning: Self.typeMeaning)
        if let attentionMask {
            guard attentionMask.count == batch, attentionMask.allSatisfy({ $0.count == length }) else {
                throw ShapeError(path: path, tensor: "attention_mask", expected: [batch, length].shapeDescription,
                                 actual: [attentionMask.count, attentionMask.first?.count ?? 0])
            }
            try Self.checkBinary(attentionMask, name: "attention_mask", meaning: Self.maskMeaning)
        }
        self.batch = batch
        self.length = length
        let vision = Self.visionExpertMask(tokenTypeIDs)
        var visionRows: [Int] = [], languageRows: [Int] = []
        for (b, row) in vision.enumerated() {
            for (l, isVision) in row.enumerated() {
                if isVision { visionRows.append(b * length + l) } else { languageRows.append(b * length + l) }
            }
        }
        self.visionRows = visionRows
        self.languageRows = languageRows
        positionIDs = Self.positionIDs(tokenTypeIDs, attentionMask: attentionMask)
        let padded = attentionMask?.contains { $0.contains(0) } ?? false
        keyMask = padded ? try Tensor(shape: [batch, length], scalars: attentionMask!.flatMap { $0.map(Float.init) }) : nil
    }

    /// From tensors as files store them (`token_type_ids`, `attention_mask` `[B, L]`, any numeric dtype).
    /// - Throws: ``ShapeError`` for other shapes or values (see ``init(tokenTypeIDs:attentionMask:)``).
    public init(tokenTypeIDs: Tensor, attentionMask: Tensor? = nil) throws(ShapeError) {
        guard tokenTypeIDs.rank == 2 else {
            throw ShapeError(path: "cogvlm", tensor: "token_type_ids", expected: "[B, L]", actual: tokenTypeIDs.shape)
        }
        if let attentionMask, attentionMask.shape != tokenTypeIDs.shape {
            throw ShapeError(path: "cogvlm", tensor: "attention_mask", expected: tokenTypeIDs.shape.shapeDescription, actual: attentionMask.shape)
        }
        let types = try Self.integerRows(tokenTypeIDs, name: "token_type_ids", meaning: Self.typeMeaning)
        let mask = try attentionMask.map { mask throws(ShapeError) in try Self.integerRows(mask, name: "attention_mask", meaning: Self.maskMeaning) }
        try self.init(tokenTypeIDs: types, attentionMask: mask)
    }

    /// Positions taken by the vision expert, `[B][L]`: CogVLM's `get_expert_mask`.
    public static func visionExpertMask(_ tokenTypeIDs: [[Int]]) -> [[Bool]] {
        tokenTypeIDs.map { row in
            row.indices.map { l in l + 1 < row.count && row[l] == TokenType.vision.rawValue && row[l + 1] == TokenType.vision.rawValue }
        }
    }

    /// Rotary position ids, `[B][L]`: CogVLM's `build_position_ids`.
    public static func positionIDs(_ tokenTypeIDs: [[Int]], attentionMask: [[Int]]? = nil) -> [[Int]] {
        let (language, vision) = (TokenType.language.rawValue, TokenType.vision.rawValue)
        return tokenTypeIDs.enumerated().map { b, types in
            let n = types.count
            // Padded positions are neither language nor vision.
            let kept = types.indices.map { attentionMask?[b][$0] ?? 1 != 0 }
            let type = types.indices.map { kept[$0] ? types[$0] : -1 }
            // boi (a vision position after a language one, or at the start) and eoi (before a language one, or at the
            // end) are relabelled language.
            let relabelled = (0..<n).map { l -> Int in
                guard type[l] == vision else { return type[l] }
                let opens = l == 0 || type[l - 1] == language
                let closes = l == n - 1 || type[l + 1] == language
                return opens || closes ? language : vision
            }
            var ids = [Int](repeating: 0, count: n)
            for l in 1..<max(n, 1) {
                let advances = relabelled[l] == language || (relabelled[l] == vision && relabelled[l - 1] == language)
                ids[l] = ids[l - 1] + (advances ? 1 : 0)
            }
            return ids
        }
    }

    /// Runs each expert on its own rows, gathered into one `[rows, Din]` tensor (one call, hence one GEMM per linear
    /// layer), and writes both results into `[B, L, Dout]`: CogVLM's `out[mask] = vision(x[mask]); out[~mask] = ...`.
    /// With every row on one side, that expert runs on `x` as it is (no copies): a plain layer.
    /// - Throws: ``ShapeError`` when `x` is not `[B, L, D]` for this routing; whatever the experts throw.
    public func route<Vision: Layer<Tensor, Tensor>, Language: Layer<Tensor, Tensor>>(
        _ x: Tensor, vision: Vision, language: Language
    ) throws -> Tensor {
        guard x.rank == 3, x.shape[0] == batch, x.shape[1] == length else {
            throw ShapeError(path: "cogvlm", tensor: "hidden_states", expected: "[\(batch), \(length), D]", actual: x.shape)
        }
        if visionRows.isEmpty { return try language(x) }
        if languageRows.isEmpty { return try vision(x) }
        let rows = try x.reshaped([batch * length, x.shape[2]])
        let fromVision = try vision(rows.indexSelected(axis: 0, indices: visionRows))
        let fromLanguage = try language(rows.indexSelected(axis: 0, indices: languageRows))
        var out = Tensor(shape: [batch * length, fromVision.shape.last ?? 0])
        try out.indexCopy(axis: 0, indices: visionRows, source: fromVision)
        try out.indexCopy(axis: 0, indices: languageRows, source: fromLanguage)
        return try out.reshaped([batch, length, out.shape[1]])
    }

    /// The largest position id plus one: the rows of the rotary table a forward pass needs.
    public var positionCount: Int { (positionIDs.lazy.compactMap { $0.max() }.max() ?? 0) + 1 }

    private static let typeMeaning = "0 (language) or 1 (vision)"
    private static let maskMeaning = "0 (padding) or 1 (kept)"

    private static func checkBinary(_ rows: [[Int]], name: String, meaning: String) throws(ShapeError) {
        for (b, row) in rows.enumerated() {
            if let l = row.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw ShapeError(path: "cogvlm", tensor: name, expected: "values \(meaning); found \(row[l]) at [\(b), \(l)]",
                                 actual: [rows.count, row.count])
            }
        }
    }

    private static func integerRows(_ tensor: Tensor, name: String, meaning: String) throws(ShapeError) -> [[Int]] {
        let (batch, length) = (tensor.shape[0], tensor.shape[1])
        let values = tensor.scalars
        return try (0..<batch).map { b throws(ShapeError) in
            try (0..<length).map { l throws(ShapeError) in
                let value = values[b * length + l]
                guard value == 0 || value == 1 else {
                    throw ShapeError(path: "cogvlm", tensor: name, expected: "values \(meaning); found \(value) at [\(b), \(l)]", actual: tensor.shape)
                }
                return Int(value)
            }
        }
    }
}
