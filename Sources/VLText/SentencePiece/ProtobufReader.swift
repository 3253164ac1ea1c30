/// A minimal reader of the protobuf wire format, enough for SentencePiece's `ModelProto`.
///
/// Every read is bounds-checked and reports the file on failure: a truncated or garbage file throws
/// `TokenizerError.invalidModel` instead of trapping.
struct ProtobufReader {
    /// Wire types of the protobuf encoding.
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    let path: String

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.path = path
    }

    private init(bytes: [UInt8], range: Range<Int>, path: String) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.path = path
    }

    var isAtEnd: Bool { position >= end }

    private func failure(_ reason: String) -> TokenizerError {
        .invalidModel(path: path, reason: "\(reason) at byte \(position)")
    }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws(TokenizerError) -> (number: UInt64, wireType: WireType)? {
        if isAtEnd { return nil }
        let key = try varint()
        guard let wireType = WireType(rawValue: key & 7) else {
            throw failure("unknown wire type \(key & 7)")
        }
        let number = key >> 3
        guard number > 0 else { throw failure("field number 0") }
        return (number, wireType)
    }

    mutating func varint() throws(TokenizerError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw failure("truncated varint") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw failure("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw failure("varint longer than 10 bytes") }
        }
    }

    mutating func fixed32() throws(TokenizerError) -> UInt32 {
        guard end - position >= 4 else { throw failure("truncated fixed32") }
        var value: UInt32 = 0
        for offset in 0..<4 { value |= UInt32(bytes[position + offset]) << (8 * UInt32(offset)) }
        position += 4
        return value
    }

    /// The byte range of a length-delimited field's payload.
    mutating func lengthDelimited() throws(TokenizerError) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw failure("length \(length) runs past the end of the data")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    mutating func bytesField() throws(TokenizerError) -> [UInt8] {
        Array(bytes[try lengthDelimited()])
    }

    /// A reader over an embedded message.
    mutating func message() throws(TokenizerError) -> ProtobufReader {
        ProtobufReader(bytes: bytes, range: try lengthDelimited(), path: path)
    }

    /// Skips a field of the given wire type.
    mutating func skip(_ wireType: WireType) throws(TokenizerError) {
        switch wireType {
        case .varint:
            _ = try varint()
        case .fixed64:
            guard end - position >= 8 else { throw failure("truncated fixed64") }
            position += 8
        case .lengthDelimited:
            _ = try lengthDelimited()
        case .fixed32:
            _ = try fixed32()
        case .startGroup, .endGroup:
            throw failure("unexpected group field")
        }
    }

    /// Reads a bool or enum (varint) after checking the wire type.
    mutating func varintField(_ wireType: WireType, name: String) throws(TokenizerError) -> UInt64 {
        guard wireType == .varint else { throw failure("field \(name) has wire type \(wireType.rawValue), expected varint") }
        return try varint()
    }
}
