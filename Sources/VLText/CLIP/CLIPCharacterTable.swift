/// Character classes and lowercasing exactly as the Rust `tokenizers` pipeline of transformers'
/// `CLIPTokenizer` sees them.
///
/// - `\s`, `\p{L}`, `\p{N}` are Oniguruma's (the regex engine of the `tokenizers` Python wheels):
///   `\s` is Unicode `White_Space`; `\p{L}` / `\p{N}` are the general categories L* / N* of
///   Unicode 16.0. Swift 6.3 knows Unicode 17.0, so scalars first assigned in 17.0 are excluded
///   (checked exhaustively against `tokenizers` 0.23.3 over all code points).
/// - Lowercasing is Rust's `char::to_lowercase` applied per character (no final-sigma rule), which
///   equals `Unicode.Scalar.Properties.lowercaseMapping` for every code point.
enum CLIPCharacterTable {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    /// The scalar changes when lowercased.
    static let cased: UInt8 = 8

    /// Flags for planes 0 and 1 (everything in common text), computed once.
    static let lowerPlanes: [UInt8] = (0..<0x2_0000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        return computeFlags(scalar)
    }

    /// The class flags of a scalar.
    @inline(__always)
    static func flags(_ scalar: Unicode.Scalar) -> UInt8 {
        let value = Int(scalar.value)
        if value < 0x2_0000 { return lowerPlanes[value] }
        return computeFlags(scalar)
    }

    static func computeFlags(_ scalar: Unicode.Scalar) -> UInt8 {
        let properties = scalar.properties
        var flags: UInt8 = 0
        if properties.isWhitespace { flags |= whitespace }
        if isKnownToOniguruma(properties) {
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                flags |= letter
            case .decimalNumber, .letterNumber, .otherNumber:
                flags |= number
            default:
                break
            }
        }
        // Changes_When_Lowercased is a cheap pre-filter: no scalar outside it has a lowercase mapping
        // other than itself (checked over all code points with Swift 6.3's tables).
        if properties.changesWhenLowercased,
           !properties.lowercaseMapping.unicodeScalars.elementsEqual(CollectionOfOne(scalar)) {
            flags |= cased
        }
        return flags
    }

    /// Oniguruma 6.9.10 (bundled by `tokenizers` 0.23) uses Unicode 16.0 property tables.
    private static func isKnownToOniguruma(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return age.major <= 16
    }

    /// Appends the lowercase form of `scalar` (Rust `char::to_lowercase`).
    @inline(__always)
    static func appendLowercased(_ scalar: Unicode.Scalar, flags: UInt8, to output: inout [Unicode.Scalar]) {
        if flags & cased == 0 {
            output.append(scalar)
        } else if scalar.value < 0x80 {
            output.append(Unicode.Scalar(UInt8(scalar.value) | 0x20))
        } else {
            output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
    }
}
