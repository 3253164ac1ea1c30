import Testing
import VLText

/// The text rules that differ between the two tokenizers (and from Swift's own `lowercased()`),
/// spelled out. Every expectation here was checked against transformers 5.23 on the fixture folders.
@Suite("Casing, Unicode and whitespace rules")
struct TextRuleTests {
    let clip: CLIPTokenizer
    let siglip: SiglipTokenizer

    init() throws {
        clip = try CLIPTokenizer(directory: Fixtures.path("clip-vocab"))
        siglip = try SiglipTokenizer(directory: Fixtures.path("siglip"))
    }

    @Test("CLIP lowercases per character (Rust char::to_lowercase): no final sigma")
    func clipSigma() {
        #expect(clip.encode("ΣΑΣ") == clip.encode("σασ"))
        #expect(clip.encode("ΣΑΣ") != clip.encode("σας"))
    }

    @Test("SigLIP lowercases with Python str.lower(): final sigma")
    func siglipSigma() {
        #expect(siglip.encode("ΣΑΣ") == siglip.encode("σας"))
        #expect(siglip.encode("ΣΑΣ") != siglip.encode("σασ"))
    }

    @Test("Turkish dotted capital I and titlecase digraphs")
    func specialCasing() {
        #expect(clip.encode("İ") == clip.encode("i\u{307}"))
        #expect(clip.encode("ǅ") == clip.encode("ǆ"))
    }

    @Test("NFC applies between added tokens, not across them")
    func normalizationSegments() {
        #expect(clip.encode("e\u{301}") == clip.encode("é"))
        #expect(clip.encode("<|endoftext|>\u{338}") != clip.encode("<|endoftext|>≯"))
    }

    @Test("upper-case special-token text is not a special token; it is split in three BPE words")
    func upperCaseSpecialToken() {
        #expect(clip.encode("<|ENDOFTEXT|>") == [3512, 27, 347, 524, 639, 69, 600, 1052, 91, 285, 3513])
    }

    @Test("U+001C...U+001F: tokens for CLIP (not White_Space), whitespace for SigLIP (Python isspace)")
    func informationSeparators() {
        #expect(clip.encode("\u{1C}") == [3512, 472, 3513])
        #expect(siglip.encode("\u{1C}") == [1])
        #expect(clip.encode("a\u{A0}b") == clip.encode("a b"))
        #expect(siglip.encode("Hello, World!") == siglip.encode("hello world"))
    }
}
