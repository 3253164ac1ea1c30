/// CLIP's pre-tokeniser, written by hand over Unicode scalars.
///
/// transformers 5.23 builds `Sequence([Split(regex, behavior="removed", invert=True), ByteLevel(use_regex=True)])`
/// with the regex
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`.
/// Its matches are the words and everything between matches (only whitespace can be left over) is
/// dropped. ByteLevel's GPT-2 regex then re-splits each word; the only words it changes are the two
/// special-token literals, which become `<|`, `startoftext` / `endoftext`, `|>` (each a BPE word of its
/// own, with its own `</w>`).
enum CLIPPreTokenizer {
    private static let startOfText = Array("<|startoftext|>".unicodeScalars)
    private static let endOfText = Array("<|endoftext|>".unicodeScalars)

    /// Calls `body` with the scalar range of every word of the normalised text `scalars`, in order.
    @inline(__always)
    static func forEachWord(in scalars: [Unicode.Scalar], _ body: (Range<Int>) -> Void) {
        let count = scalars.count
        var index = 0
        while index < count {
            let scalar = scalars[index]
            if scalar == "<", let length = specialLiteralLength(scalars, at: index) {
                body(index..<(index + 2))  // "<|"
                body((index + 2)..<(index + length - 2))  // "startoftext" / "endoftext"
                body((index + length - 2)..<(index + length))  // "|>"
                index += length
                continue
            }
            if scalar == "'", index + 1 < count {
                let length = contractionLength(scalars, at: index)
                if length > 0 {
                    body(index..<(index + length))
                    index += length
                    continue
                }
            }
            let flags = CLIPCharacterTable.flags(scalar)
            if flags & CLIPCharacterTable.letter != 0 {
                var end = index + 1
                while end < count && CLIPCharacterTable.flags(scalars[end]) & CLIPCharacterTable.letter != 0 { end += 1 }
                body(index..<end)
                index = end
            } else if flags & CLIPCharacterTable.number != 0 {
                body(index..<(index + 1))
                index += 1
            } else if flags & CLIPCharacterTable.whitespace != 0 {
                index += 1
            } else {
                let stop = CLIPCharacterTable.letter | CLIPCharacterTable.number | CLIPCharacterTable.whitespace
                var end = index + 1
                while end < count && CLIPCharacterTable.flags(scalars[end]) & stop == 0 { end += 1 }
                body(index..<end)
                index = end
            }
        }
    }

    /// Length of `<|startoftext|>` or `<|endoftext|>` at `index`, or nil.
    @inline(__always)
    private static func specialLiteralLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        if hasPrefix(scalars, startOfText, at: index) { return startOfText.count }
        if hasPrefix(scalars, endOfText, at: index) { return endOfText.count }
        return nil
    }

    @inline(__always)
    private static func hasPrefix(_ scalars: [Unicode.Scalar], _ literal: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + literal.count <= scalars.count else { return false }
        for offset in 0..<literal.count where scalars[index + offset] != literal[offset] { return false }
        return true
    }

    /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `index` (which holds `'`), or 0.
    @inline(__always)
    private static func contractionLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int {
        let next = scalars[index + 1]
        switch next {
        case "s", "t", "m", "d":
            return 2
        case "r", "v", "l":
            guard index + 2 < scalars.count else { return 0 }
            let third = scalars[index + 2]
            if (next == "r" || next == "v") && third == "e" { return 3 }
            if next == "l" && third == "l" { return 3 }
            return 0
        default:
            return 0
        }
    }
}
