/// A token that is matched in the raw text before any other processing (transformers' added tokens:
/// `<|endoftext|>`, `</s>`, ...).
struct AddedToken: Sendable, Equatable {
    var content: String
    var id: Int
    /// Strip whitespace on the left / right of the match (`lstrip` / `rstrip`).
    var leftStrip = false
    var rightStrip = false
    /// Listed in transformers' `all_special_tokens`.
    var special = true
}

/// A piece of text after splitting on added tokens. Text is kept as scalars: a segment may start
/// inside a grapheme cluster (for example a combining mark right after a token), which `Substring`
/// would round away.
enum TextSegment {
    case text(Substring.UnicodeScalarView)
    case token(AddedToken)
}

/// Splits text on added tokens, leftmost match first and the longest token among those starting at
/// the same place (the Rust crate's aho-corasick `LeftmostLongest`, and transformers' `Trie.split`
/// for the token sets used by CLIP and SigLIP).
struct AddedTokenMatcher: Sendable {
    private let tokens: [AddedToken]
    private let utf8Tokens: [[UInt8]]
    private let startsToken: [Bool]

    init(_ tokens: [AddedToken]) {
        var unique: [AddedToken] = []
        for token in tokens where !token.content.isEmpty && !unique.contains(where: { $0.content == token.content }) {
            unique.append(token)
        }
        unique.sort { $0.content.utf8.count > $1.content.utf8.count }
        self.tokens = unique
        utf8Tokens = unique.map { Array($0.content.utf8) }
        var starts = [Bool](repeating: false, count: 256)
        for bytes in utf8Tokens { if let first = bytes.first { starts[Int(first)] = true } }
        startsToken = starts
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text`; text segments are never empty.
    func split(_ text: String) -> [TextSegment] {
        let scalars = text.unicodeScalars
        if tokens.isEmpty { return text.isEmpty ? [] : [.text(scalars[...])] }
        var segments: [TextSegment] = []
        let utf8 = text.utf8
        var segmentStart = utf8.startIndex
        var position = utf8.startIndex
        while position < utf8.endIndex {
            if startsToken[Int(utf8[position])], let (tokenIndex, end) = match(in: utf8, at: position) {
                if segmentStart < position {
                    segments.append(.text(scalars[segmentStart..<position]))
                }
                segments.append(.token(tokens[tokenIndex]))
                position = end
                segmentStart = end
            } else {
                position = utf8.index(after: position)
            }
        }
        if segmentStart < utf8.endIndex {
            segments.append(.text(scalars[segmentStart..<utf8.endIndex]))
        }
        return segments
    }

    private func match(in utf8: String.UTF8View, at start: String.Index) -> (Int, String.Index)? {
        for (tokenIndex, bytes) in utf8Tokens.enumerated() {
            var position = start
            var matched = true
            for byte in bytes {
                guard position < utf8.endIndex, utf8[position] == byte else {
                    matched = false
                    break
                }
                position = utf8.index(after: position)
            }
            if matched { return (tokenIndex, position) }
        }
        return nil
    }
}
