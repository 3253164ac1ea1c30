/// SentencePiece's `Normalizer::Normalize` (sentencepiece 0.2): longest-match rewriting with the
/// model's precompiled character map (e.g. `nmt_nfkc`), user-defined symbols copied verbatim,
/// whitespace escaping to U+2581, the dummy prefix and extra-whitespace removal.
struct SentencePieceNormalizer: Sendable {
    static let spaceSymbol: [UInt8] = [0xE2, 0x96, 0x81]  // U+2581

    private let trie: DoubleArray
    /// The NUL-separated replacement strings of the character map.
    private let replacements: [UInt8]
    private let userDefined: UserDefinedMatcher
    let addDummyPrefix: Bool
    let removeExtraWhitespaces: Bool
    let escapeWhitespaces: Bool
    let treatWhitespaceAsSuffix: Bool

    init(model: SentencePieceModelFile, userDefinedSymbols: [[UInt8]], path: String) throws(TokenizerError) {
        let blob = model.precompiledCharsMap
        if blob.isEmpty {
            trie = DoubleArray(units: [])
            replacements = []
        } else {
            // <trie size: UInt32 LE><double array><replacement strings>
            guard blob.count > 4 else {
                throw .invalidModel(path: path, reason: "the normalization rule blob is broken (\(blob.count) bytes)")
            }
            let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
            guard trieSize < blob.count else {
                throw .invalidModel(path: path, reason: "the normalization trie size \(trieSize) exceeds the rule blob (\(blob.count) bytes)")
            }
            let trieEnd = min(blob.count, 4 + trieSize)
            var units: [UInt32] = []
            units.reserveCapacity(trieSize / 4)
            var index = 4
            while index + 4 <= 4 + trieSize && index + 4 <= blob.count {
                units.append(UInt32(blob[index]) | UInt32(blob[index + 1]) << 8
                             | UInt32(blob[index + 2]) << 16 | UInt32(blob[index + 3]) << 24)
                index += 4
            }
            trie = DoubleArray(units: units)
            replacements = Array(blob[trieEnd...])
        }
        userDefined = UserDefinedMatcher(userDefinedSymbols)
        addDummyPrefix = model.addDummyPrefix
        removeExtraWhitespaces = model.removeExtraWhitespaces
        escapeWhitespaces = model.escapeWhitespaces
        treatWhitespaceAsSuffix = model.treatWhitespaceAsSuffix
    }

    /// The normalized UTF-8 of `input` (valid UTF-8).
    func normalize(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { normalize($0) }
    }

    private func normalize(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var position = 0
        if input.isEmpty { return [] }
        if removeExtraWhitespaces {
            while position < input.count {
                let (replacement, consumed) = prefix(of: input, at: position)
                guard replacement.count == 1, replacement.first == 0x20 else { break }
                position += consumed
            }
        }
        if position >= input.count { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3)
        let space: [UInt8] = escapeWhitespaces ? Self.spaceSymbol : [0x20]
        if !treatWhitespaceAsSuffix && addDummyPrefix { output += space }
        var previousIsSpace = removeExtraWhitespaces
        while position < input.count {
            let (replacement, consumed) = prefix(of: input, at: position)
            var start = replacement.startIndex
            while previousIsSpace && start < replacement.endIndex && replacement[start] == 0x20 { start += 1 }
            if start < replacement.endIndex {
                for byte in replacement[start...] {
                    if escapeWhitespaces && byte == 0x20 {
                        output += Self.spaceSymbol
                    } else {
                        output.append(byte)
                    }
                }
                previousIsSpace = replacement.last == 0x20
            }
            position += consumed
            if !removeExtraWhitespaces { previousIsSpace = false }
        }
        if removeExtraWhitespaces {
            while output.count >= space.count && output.suffix(space.count).elementsEqual(space) {
                output.removeLast(space.count)
            }
        }
        if treatWhitespaceAsSuffix && addDummyPrefix { output += space }
        return output
    }

    /// `NormalizePrefix`: what the text at `position` becomes, and how many bytes it consumes.
    private func prefix(of input: UnsafeBufferPointer<UInt8>, at position: Int) -> (ArraySlice<UInt8>, Int) {
        if let length = userDefined.longestMatch(in: input, at: position) {
            return (ArraySlice(input[position..<(position + length)]), length)
        }
        if let match = trie.longestPrefix(of: input, from: position) {
            return (replacement(at: match.value), match.length)
        }
        let length = min(input.count - position, utf8Length(input[position]))
        return (ArraySlice(input[position..<(position + length)]), length)
    }

    /// The NUL-terminated replacement string starting at `offset` (empty when out of range).
    private func replacement(at offset: Int) -> ArraySlice<UInt8> {
        guard offset >= 0, offset < replacements.count else { return [] }
        let end = replacements[offset...].firstIndex(of: 0) ?? replacements.endIndex
        return replacements[offset..<end]
    }
}

/// Byte length of the UTF-8 sequence starting with `lead` (SentencePiece's `OneCharLen`).
@inline(__always)
func utf8Length(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: return 2
    case 0xE: return 3
    case 0xF: return 4
    default: return 1
    }
}

/// Longest-match of user-defined symbols (SentencePiece's `PrefixMatcher`).
struct UserDefinedMatcher: Sendable {
    private let symbolsByFirstByte: [[[UInt8]]]

    init(_ symbols: [[UInt8]]) {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for symbol in symbols where !symbol.isEmpty { table[Int(symbol[0])].append(symbol) }
        symbolsByFirstByte = table.map { $0.sorted { $0.count > $1.count } }
    }

    func longestMatch(in input: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        for symbol in symbolsByFirstByte[Int(input[position])] where symbol.count <= input.count - position {
            var matches = true
            for (offset, byte) in symbol.enumerated() where input[position + offset] != byte {
                matches = false
                break
            }
            if matches { return symbol.count }
        }
        return nil
    }
}
