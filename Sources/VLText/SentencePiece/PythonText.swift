/// The Python `str` operations that transformers' `SiglipTokenizer` applies, reproduced over scalars.
///
/// The fixtures come from CPython 3.11, whose Unicode database is version 14.0; Swift 6.3 knows
/// Unicode 17.0, so scalars assigned after 14.0 are treated as Python 3.11 treats them (unassigned:
/// no case mapping, neither cased nor case-ignorable). Checked exhaustively over all code points.
enum PythonText {
    /// The newest Unicode major version the reference Python knows (CPython 3.11: 14.0).
    static let unicodeMajorVersion = 14

    /// `str.isspace()`, also Python's `re` `\s` and what `str.strip()` removes: White_Space plus the
    /// information separators U+001C...U+001F (bidirectional class B/S).
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x20 || (0x09...0x0D).contains(value) || (0x1C...0x1F).contains(value)
        }
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `string.punctuation`: the 32 ASCII punctuation characters.
    @inline(__always)
    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
            || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
    }

    private static func isKnown(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= unicodeMajorVersion
    }

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        isKnown(scalar) && scalar.properties.isCased
    }

    private static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        isKnown(scalar) && scalar.properties.isCaseIgnorable
    }

    /// `str.lower()`: full lowercase mappings, and U+03A3 becomes final sigma U+03C2 in the
    /// Final_Sigma context (CPython's `handle_capital_sigma`), else U+03C3.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            let value = scalar.value
            if value < 0x80 {
                output.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value) | 0x20) : scalar)
            } else if value == 0x3A3 {
                output.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else if CLIPCharacterTable.flags(scalar) & CLIPCharacterTable.cased != 0 && isKnown(scalar) {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
        }
        return output
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && isCaseIgnorable(scalars[before]) { before -= 1 }
        guard before >= 0, isCased(scalars[before]) else { return false }
        var after = index + 1
        while after < scalars.count && isCaseIgnorable(scalars[after]) { after += 1 }
        return after == scalars.count || !isCased(scalars[after])
    }

    /// `text.strip()`.
    static func stripped(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        leftStripped(rightStripped(scalars))
    }

    /// `text.lstrip()`.
    static func leftStripped(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return scalars[scalars.endIndex...] }
        return scalars[first...]
    }

    /// `text.rstrip()`.
    static func rightStripped(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        guard let last = scalars.lastIndex(where: { !isSpace($0) }) else { return scalars[scalars.startIndex..<scalars.startIndex] }
        return scalars[...last]
    }
}
