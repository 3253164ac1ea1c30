/// GPT-2's `bytes_to_unicode` table, used by CLIP's byte-level BPE: every byte maps to one printable
/// character, so a vocabulary token is a string of these characters (optionally followed by `</w>`).
enum ByteLevel {
    /// `characters[b]` is the scalar that stands for byte `b`.
    static let characters: [Unicode.Scalar] = {
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = printable
        var extra = 0
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            scalars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, scalar) in zip(printable, scalars) {
            table[byte] = Unicode.Scalar(UInt32(scalar)) ?? " "
        }
        return table
    }()

    /// The byte-level string for raw bytes (used at load time to look symbols up in the vocabulary).
    static func string(for bytes: some Sequence<UInt8>) -> String {
        var result = String.UnicodeScalarView()
        for byte in bytes { result.append(characters[Int(byte)]) }
        return String(result)
    }
}
