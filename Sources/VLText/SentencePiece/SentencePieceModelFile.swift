/// The parts of a SentencePiece `ModelProto` (`spiece.model`) that encoding needs.
///
/// Field numbers follow `sentencepiece_model.proto`; unknown fields are skipped, and absent fields
/// take the proto2 defaults (`add_dummy_prefix`, `remove_extra_whitespaces` and `escape_whitespaces`
/// default to true).
struct SentencePieceModelFile: Sendable {
    /// `ModelProto.SentencePiece.Type`.
    enum PieceType: UInt64, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    struct Piece: Sendable {
        var bytes: [UInt8]
        var score: Float = 0
        var type: PieceType = .normal
    }

    var pieces: [Piece] = []
    /// `TrainerSpec.model_type` (1 = UNIGRAM, the default).
    var modelType: UInt64 = 1
    var byteFallback = false
    var treatWhitespaceAsSuffix = false
    var normalizerName: [UInt8] = []
    var precompiledCharsMap: [UInt8] = []
    var addDummyPrefix = true
    var removeExtraWhitespaces = true
    var escapeWhitespaces = true

    init(bytes: [UInt8], path: String) throws(TokenizerError) {
        var reader = ProtobufReader(bytes: bytes, path: path)
        while let (number, wireType) = try reader.nextField() {
            switch (number, wireType) {
            case (1, .lengthDelimited):
                var message = try reader.message()
                pieces.append(try Self.piece(&message))
            case (2, .lengthDelimited):
                var message = try reader.message()
                try readTrainerSpec(&message)
            case (3, .lengthDelimited):
                var message = try reader.message()
                try readNormalizerSpec(&message)
            case (1...3, _):
                throw .invalidModel(path: path, reason: "ModelProto field \(number) has wire type \(wireType.rawValue)")
            default:
                try reader.skip(wireType)
            }
        }
        if pieces.isEmpty {
            throw .invalidModel(path: path, reason: "the model has no pieces (not a SentencePiece model?)")
        }
    }

    private static func piece(_ reader: inout ProtobufReader) throws(TokenizerError) -> Piece {
        var piece = Piece(bytes: [])
        while let (number, wireType) = try reader.nextField() {
            switch (number, wireType) {
            case (1, .lengthDelimited):
                piece.bytes = try reader.bytesField()
            case (2, .fixed32):
                piece.score = Float(bitPattern: try reader.fixed32())
            case (3, .varint):
                let raw = try reader.varint()
                guard let type = PieceType(rawValue: raw) else {
                    throw .invalidModel(path: reader.path, reason: "piece type \(raw) is not a SentencePiece piece type")
                }
                piece.type = type
            case (1...3, _):
                throw .invalidModel(path: reader.path, reason: "SentencePiece field \(number) has wire type \(wireType.rawValue)")
            default:
                try reader.skip(wireType)
            }
        }
        return piece
    }

    private mutating func readTrainerSpec(_ reader: inout ProtobufReader) throws(TokenizerError) {
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 3: modelType = try reader.varintField(wireType, name: "TrainerSpec.model_type")
            case 24: treatWhitespaceAsSuffix = try reader.varintField(wireType, name: "TrainerSpec.treat_whitespace_as_suffix") != 0
            case 35: byteFallback = try reader.varintField(wireType, name: "TrainerSpec.byte_fallback") != 0
            default: try reader.skip(wireType)
            }
        }
    }

    private mutating func readNormalizerSpec(_ reader: inout ProtobufReader) throws(TokenizerError) {
        while let (number, wireType) = try reader.nextField() {
            switch (number, wireType) {
            case (1, .lengthDelimited): normalizerName = try reader.bytesField()
            case (2, .lengthDelimited): precompiledCharsMap = try reader.bytesField()
            case (3, _): addDummyPrefix = try reader.varintField(wireType, name: "NormalizerSpec.add_dummy_prefix") != 0
            case (4, _): removeExtraWhitespaces = try reader.varintField(wireType, name: "NormalizerSpec.remove_extra_whitespaces") != 0
            case (5, _): escapeWhitespaces = try reader.varintField(wireType, name: "NormalizerSpec.escape_whitespaces") != 0
            case (1...2, _):
                throw .invalidModel(path: reader.path, reason: "NormalizerSpec field \(number) has wire type \(wireType.rawValue)")
            default: try reader.skip(wireType)
            }
        }
    }
}
