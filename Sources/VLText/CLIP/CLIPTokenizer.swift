/// CLIP's byte-level BPE tokenizer, id-for-id identical to transformers 5.23's
/// `AutoTokenizer.from_pretrained(folder)` for CLIP checkpoints (a `CLIPTokenizer` backed by the Rust
/// `tokenizers` library).
///
/// Pipeline for each text:
/// 1. split on added tokens (`<|startoftext|>`, `<|endoftext|>`, ...) in the raw text;
/// 2. per remaining piece: NFC, whitespace runs to one space, per-character lowercasing;
/// 3. CLIP's pre-tokenisation regex (see `CLIPPreTokenizer`), dropping whitespace;
/// 4. byte-level BPE of every word with `</w>` on its last symbol;
/// 5. `<|startoftext|>` ... `<|endoftext|>` around the ids, truncation keeping the end token, padding.
///
/// Copies share one thread-safe word cache. All methods are safe to call concurrently.
public struct CLIPTokenizer: Sendable {
    /// `model_max_length` from `tokenizer_config.json`, 77 when absent.
    public internal(set) var maxLength: Int
    public internal(set) var padTokenID: Int
    public internal(set) var bosTokenID: Int
    public internal(set) var eosTokenID: Int
    public internal(set) var unknownTokenID: Int
    /// `padding_side` from the configuration (`.right` for CLIP).
    public var paddingSide: Side
    /// `truncation_side` from the configuration (`.right` for CLIP).
    public var truncationSide: Side
    /// Threads used by batch calls (default: the number of active processors).
    public var maxConcurrency: Int

    let model: BPEModel
    let addedTokens: AddedTokenMatcher
    let cache: BPECache

    /// Token ids of `text` wrapped in `<|startoftext|>` ... `<|endoftext|>`, without truncation or padding.
    public func encode(_ text: String) -> [Int] {
        var scratch = Scratch()
        return [bosTokenID] + contentIDs(of: text, scratch: &scratch) + [eosTokenID]
    }

    /// Tokenizes a batch like transformers' `tokenizer(texts, padding=..., truncation=...)`.
    ///
    /// With `truncation`, rows keep their first `maxLength - 2` content tokens between the start and
    /// end tokens. The attention mask is 1 on tokens and 0 on padding; padding uses `padTokenID`.
    public func callAsFunction(_ texts: [String], padding: Padding = .maxLength, truncation: Bool = true) -> TokenizedBatch {
        let rows = concurrentMap(count: texts.count, concurrency: maxConcurrency, makeState: { Scratch() }) { scratch, index in
            row(for: texts[index], truncation: truncation, scratch: &scratch)
        }
        return BatchAssembly.assemble(rows, padding: padding, maxLength: maxLength, padID: padTokenID,
                                      side: paddingSide, maskOnPadding: 0)
    }

    /// One text's ids with special tokens, truncated when asked (the Rust `TruncationParams` with
    /// `LongestFirst` on a single sequence: the content is cut to `maxLength - 2`).
    func row(for text: String, truncation: Bool, scratch: inout Scratch) -> [Int] {
        var content = contentIDs(of: text, scratch: &scratch)
        let room = max(0, maxLength - 2)
        if truncation && content.count > room {
            if truncationSide == .right {
                content.removeLast(content.count - room)
            } else {
                content.removeFirst(content.count - room)
            }
        }
        var row: [Int] = []
        row.reserveCapacity(content.count + 2)
        row.append(bosTokenID)
        row.append(contentsOf: content)
        row.append(eosTokenID)
        return row
    }

    /// Per-thread scratch buffers and a local word cache.
    struct Scratch {
        var scalars: [Unicode.Scalar] = []
        var word: [UInt8] = []
        var symbols: [Int32] = []
        var localCache: [[UInt8]: [Int32]] = [:]
    }

    /// The token ids of `text` without the start/end tokens.
    func contentIDs(of text: String, scratch: inout Scratch) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        for segment in addedTokens.split(text) {
            switch segment {
            case .token(let token):
                ids.append(token.id)
            case .text(let piece):
                CLIPTextNormalizer.normalize(piece, into: &scratch.scalars)
                let scalars = scratch.scalars
                CLIPPreTokenizer.forEachWord(in: scalars) { range in
                    scratch.word.removeAll(keepingCapacity: true)
                    for index in range { appendUTF8(scalars[index], to: &scratch.word) }
                    appendWordIDs(&ids, scratch: &scratch)
                }
            }
        }
        return ids
    }

    @inline(__always)
    private func appendWordIDs(_ ids: inout [Int], scratch: inout Scratch) {
        if let cached = scratch.localCache[scratch.word] {
            for id in cached { ids.append(Int(id)) }
            return
        }
        let word = scratch.word
        let result: [Int32]
        if let shared = cache.lookup(word) {
            result = shared
        } else {
            model.encodeWord(word, symbols: &scratch.symbols)
            result = scratch.symbols
            cache.store(word, result)
        }
        if word.count <= cache.maximumWordLength && scratch.localCache.count < 20_000 {
            scratch.localCache[word] = result
        }
        for id in result { ids.append(Int(id)) }
    }
}

/// Appends the UTF-8 encoding of `scalar`.
@inline(__always)
func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
    let value = scalar.value
    if value < 0x80 {
        bytes.append(UInt8(value))
    } else if value < 0x800 {
        bytes.append(UInt8(0xC0 | (value >> 6)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    } else if value < 0x1_0000 {
        bytes.append(UInt8(0xE0 | (value >> 12)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    } else {
        bytes.append(UInt8(0xF0 | (value >> 18)))
        bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    }
}
