/// CLIP's normaliser: `Sequence([NFC(), Replace(Regex("\s+"), " "), Lowercase()])`.
enum CLIPTextNormalizer {
    /// Writes the normalised scalars of `text` into `output` (replacing its contents).
    static func normalize(_ text: Substring.UnicodeScalarView, into output: inout [Unicode.Scalar]) {
        output.removeAll(keepingCapacity: true)
        if text.allSatisfy({ isNFCInert($0.value) }) {
            append(text, to: &output)
        } else {
            let composed = String(String.UnicodeScalarView(text))._nfcCodeUnits
            append(String(decoding: composed, as: UTF8.self).unicodeScalars, to: &output)
        }
    }

    /// Collapses whitespace runs to one space and lowercases, appending to `output`.
    /// (The two steps commute with each other: no lowercase mapping produces whitespace.)
    @inline(__always)
    private static func append(_ scalars: some Sequence<Unicode.Scalar>, to output: inout [Unicode.Scalar]) {
        var inWhitespace = false
        for scalar in scalars {
            let flags = CLIPCharacterTable.flags(scalar)
            if flags & CLIPCharacterTable.whitespace != 0 {
                if !inWhitespace { output.append(" ") }
                inWhitespace = true
            } else {
                inWhitespace = false
                CLIPCharacterTable.appendLowercased(scalar, flags: flags, to: &output)
            }
        }
    }

    /// True for scalars that NFC leaves alone whatever surrounds them: canonical combining class 0,
    /// NFC quick check "yes", and never the second character of a canonical composition.
    /// (Everything below U+0300, CJK ideographs, Hangul syllables, and emoji blocks.)
    @inline(__always)
    static func isNFCInert(_ value: UInt32) -> Bool {
        value < 0x300
            || (0x3400...0x4DBF).contains(value) || (0x4E00...0x9FFF).contains(value)
            || (0xAC00...0xD7A3).contains(value)
            || (0x1F000...0x1FAFF).contains(value) || (0x20000...0x2A6DF).contains(value)
    }
}
