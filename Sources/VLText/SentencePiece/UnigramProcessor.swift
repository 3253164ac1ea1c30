/// SentencePiece's unigram `SentencePieceProcessor::Encode` as used by `encode(text, out_type=str)`:
/// normalisation, the optimised Viterbi of `unigram::Model::EncodeOptimized`, then the piece list of
/// `PopulateSentencePieceText` (runs of unknown pieces merged, or split into `<0xXX>` byte pieces
/// when the model has byte fallback).
struct UnigramProcessor: Sendable {
    /// One output piece of `encode(..., out_type=str)`.
    enum Piece: Equatable {
        /// A vocabulary piece (its id in the model).
        case vocabulary(Int32)
        /// A run of unknown text (the normalized bytes), which is the piece string Python sees.
        case unknown([UInt8])
        /// A byte-fallback piece `<0xXX>`.
        case byte(UInt8)
    }

    let normalizer: SentencePieceNormalizer
    let pieceCount: Int
    private let trie: PieceTrie
    private let scores: [Float]
    private let types: [SentencePieceModelFile.PieceType]
    let unknownID: Int32
    private let unknownScore: Float
    private let maxScore: Float
    let byteFallback: Bool
    /// Piece strings by id.
    let pieceBytes: [[UInt8]]
    /// `PieceToId`: the reserved map (control, unknown, byte pieces) is consulted before the others.
    private let reservedIDs: [[UInt8]: Int]
    private let normalIDs: [[UInt8]: Int]

    init(model: SentencePieceModelFile, path: String) throws(TokenizerError) {
        guard model.modelType == 1 else {
            let names: [UInt64: String] = [2: "BPE", 3: "WORD", 4: "CHAR"]
            throw .unsupported(path: path, reason: "model type \(names[model.modelType] ?? String(model.modelType)); only UNIGRAM is implemented")
        }
        var reserved: [[UInt8]: Int] = [:]
        var normal: [[UInt8]: Int] = [:]
        var userDefined: [[UInt8]] = []
        var unknown: Int32 = -1
        var bytesFound = [Bool](repeating: false, count: 256)
        var trieKeys: [(key: [UInt8], id: Int32)] = []
        var minimum = Float.greatestFiniteMagnitude
        var maximum = Float.leastNormalMagnitude  // FLT_MIN, as in the C++ code
        for (index, piece) in model.pieces.enumerated() {
            let display = String(decoding: piece.bytes, as: UTF8.self)
            guard !piece.bytes.isEmpty else {
                throw .invalidModel(path: path, reason: "piece #\(index) is empty")
            }
            switch piece.type {
            case .normal, .userDefined, .unused:
                guard normal.updateValue(index, forKey: piece.bytes) == nil else {
                    throw .invalidModel(path: path, reason: "piece \"\(display)\" is defined twice")
                }
                // Darts builds from C strings: a key ends at its first NUL byte.
                let key = Array(piece.bytes.prefix { $0 != 0 })
                if !key.isEmpty { trieKeys.append((key, Int32(index))) }
                if piece.type == .userDefined { userDefined.append(piece.bytes) }
                if piece.type == .normal {
                    minimum = min(minimum, piece.score)
                    maximum = max(maximum, piece.score)
                }
            case .unknown, .control, .byte:
                guard reserved.updateValue(index, forKey: piece.bytes) == nil else {
                    throw .invalidModel(path: path, reason: "piece \"\(display)\" is defined twice")
                }
                if piece.type == .unknown {
                    guard unknown < 0 else { throw .invalidModel(path: path, reason: "more than one unknown piece") }
                    unknown = Int32(index)
                }
                if piece.type == .byte {
                    guard model.byteFallback else {
                        throw .invalidModel(path: path, reason: "byte piece \"\(display)\" although byte_fallback is false")
                    }
                    guard let byte = Self.byteValue(of: piece.bytes) else {
                        throw .invalidModel(path: path, reason: "byte piece \"\(display)\" is not of the form <0xXX>")
                    }
                    bytesFound[Int(byte)] = true
                }
            }
        }
        guard unknown >= 0 else { throw .invalidModel(path: path, reason: "the model defines no unknown piece") }
        if model.byteFallback && bytesFound.contains(false) {
            throw .invalidModel(path: path, reason: "byte_fallback is true but the model lacks some of the 256 byte pieces")
        }
        let sortedKeys = trieKeys.map(\.key).sorted { $0.lexicographicallyPrecedes($1) }
        if zip(sortedKeys, sortedKeys.dropFirst()).contains(where: { $0 == $1 }) {
            throw .invalidModel(path: path, reason: "two pieces are equal up to a NUL byte")
        }
        normalizer = try SentencePieceNormalizer(model: model, userDefinedSymbols: userDefined, path: path)
        trie = PieceTrie(trieKeys)
        pieceCount = model.pieces.count
        scores = model.pieces.map(\.score)
        types = model.pieces.map(\.type)
        unknownID = unknown
        unknownScore = minimum - 10.0  // kUnkPenalty
        maxScore = maximum
        byteFallback = model.byteFallback
        pieceBytes = model.pieces.map(\.bytes)
        reservedIDs = reserved
        normalIDs = normal
    }

    /// `<0xXX>` -> XX.
    static func byteValue(of piece: [UInt8]) -> UInt8? {
        guard piece.count == 6, piece.starts(with: Array("<0x".utf8)), piece[5] == UInt8(ascii: ">") else { return nil }
        let hex = String(decoding: piece[3..<5], as: UTF8.self)
        guard hex.uppercased() == hex else { return nil }
        return UInt8(hex, radix: 16)
    }

    /// `<0xXX>` for a byte (uppercase hex, as `ByteToPiece`).
    static func bytePiece(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return Array("<0x".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 15)], UInt8(ascii: ">")]
    }

    /// `SentencePieceProcessor::PieceToId`.
    func pieceToID(_ piece: [UInt8]) -> Int {
        reservedIDs[piece] ?? normalIDs[piece] ?? Int(unknownID)
    }

    /// Encodes `text` (UTF-8) like `encode(text, out_type=str)`.
    func encode(_ text: [UInt8]) -> [Piece] {
        let normalized = normalizer.normalize(text)
        if normalized.isEmpty { return [] }
        let path = viterbi(normalized)
        var pieces: [Piece] = []
        pieces.reserveCapacity(path.count)
        var previousIsUnknown = false
        for (range, id) in path {
            let isUnknown = id == unknownID
            if isUnknown && byteFallback {
                for byte in normalized[range] { pieces.append(.byte(byte)) }
            } else if isUnknown && previousIsUnknown, case .unknown(let run)? = pieces.last {
                pieces[pieces.count - 1] = .unknown(run + normalized[range])
            } else if isUnknown {
                pieces.append(.unknown(Array(normalized[range])))
            } else {
                pieces.append(.vocabulary(id))
            }
            previousIsUnknown = isUnknown
        }
        return pieces
    }

    /// `Model::EncodeOptimized`: the best path over byte positions, returned as (byte range, id).
    ///
    /// Path scores are `float` sums, candidate by candidate, and a candidate replaces the best path
    /// ending at the same place only when strictly better (so the earliest start wins ties). This
    /// matches the sentencepiece 0.2 wheel bit for bit; doing the sums in `double` changes the
    /// winner of near-ties (long runs of one repeated character, for example).
    private func viterbi(_ text: [UInt8]) -> [(Range<Int>, Int32)] {
        let size = text.count
        var bestScore = [Float](repeating: 0, count: size + 1)
        var startsAt = [Int](repeating: -1, count: size + 1)
        var ids = [Int32](repeating: -1, count: size + 1)
        text.withUnsafeBufferPointer { text in
            var start = 0
            while start < size {
                let scoreHere = bestScore[start]
                let characterLength = min(utf8Length(text[start]), size - start)
                var hasSingleCharacterPiece = false
                var node = PieceTrie.root
                var position = start
                while position < size {
                    node = trie.child(of: node, text[position])
                    if node < 0 { break }
                    position += 1
                    let id = trie.values[node]
                    if id < 0 { continue }
                    let type = types[Int(id)]
                    if type == .unused { continue }
                    let length = position - start
                    let score: Float = type == .userDefined
                        ? Float(Double(Float(length) * maxScore) - 0.1)
                        : scores[Int(id)]
                    let candidate = score + scoreHere
                    if startsAt[position] == -1 || candidate > bestScore[position] {
                        bestScore[position] = candidate
                        startsAt[position] = start
                        ids[position] = id
                    }
                    if length == characterLength { hasSingleCharacterPiece = true }
                }
                if !hasSingleCharacterPiece {
                    let end = start + characterLength
                    let candidate = unknownScore + scoreHere
                    if startsAt[end] == -1 || candidate > bestScore[end] {
                        bestScore[end] = candidate
                        startsAt[end] = start
                        ids[end] = unknownID
                    }
                }
                start += characterLength
            }
        }
        var path: [(Range<Int>, Int32)] = []
        var end = size
        while end > 0 {
            let start = startsAt[end]
            guard start >= 0, start < end else { break }  // unreachable for valid input; never loop forever
            path.append((start..<end, ids[end]))
            end = start
        }
        return path.reversed()
    }
}
