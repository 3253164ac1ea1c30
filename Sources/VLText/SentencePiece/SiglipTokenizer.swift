/// SigLIP's SentencePiece (unigram) tokenizer, id-for-id identical to transformers 5.23's
/// `AutoTokenizer.from_pretrained(folder)`, which for SigLIP is the slow, sentencepiece-backed
/// `SiglipTokenizer` (there is no fast SigLIP tokenizer in 5.23).
///
/// Pipeline for each text, following `SiglipTokenizer.tokenize` / `_tokenize`:
/// 1. `"▁" + text.replace("▁", " ")`;
/// 2. split on added tokens (`</s>`, `<unk>`, ...), stripping whitespace beside tokens with
///    `lstrip` / `rstrip` (both true for SigLIP's special tokens);
/// 3. per remaining chunk, `canonicalize_text`: Python `str.lower()` when `do_lower_case`, ASCII
///    punctuation removed, whitespace runs to one space, `strip()`;
/// 4. `sp.encode("<unk>" + chunk, out_type=str)` minus the pieces of `"<unk>"` alone (transformers'
///    trick to bypass the dummy prefix), piece strings mapped to ids;
/// 5. a leading `▁` piece directly before a special token is dropped;
/// 6. truncation to `maxLength - 1`, then `</s>` appended unless the ids already end with it; padding.
public struct SiglipTokenizer: Sendable {
    /// `model_max_length` (64 for SigLIP).
    public internal(set) var maxLength: Int
    public internal(set) var padTokenID: Int
    public internal(set) var eosTokenID: Int
    public internal(set) var unknownTokenID: Int
    /// `do_lower_case` from the configuration.
    public internal(set) var lowercases: Bool
    /// Whether transformers returns an attention mask for this configuration (`model_input_names`).
    /// SigLIP's configuration lists only `input_ids`, so transformers returns none.
    public internal(set) var returnsAttentionMask: Bool
    public var paddingSide: Side
    public var truncationSide: Side
    /// Threads used by batch calls (default: the number of active processors).
    public var maxConcurrency: Int

    let processor: UnigramProcessor
    let addedTokens: AddedTokenMatcher
    /// Piece id -> the id transformers assigns to that piece string (normally the same id).
    let vocabularyIDs: [Int]
    /// Piece strings that transformers maps to added-token ids instead of `piece_to_id`.
    let addedTokenIDs: [[UInt8]: Int]
    let unknownTokenUTF8: [UInt8]
    /// Number of pieces of `sp.encode("<unk>")` (transformers' `unk_token_length`).
    let unknownTokenLength: Int

    /// Token ids of `text` followed by `</s>` (unless it already ends with it), without truncation or padding.
    public func encode(_ text: String) -> [Int] {
        appendingEndOfSequence(to: contentIDs(of: text))
    }

    /// Tokenizes a batch like transformers' `tokenizer(texts, padding=..., truncation=...)`.
    ///
    /// transformers returns no attention mask for SigLIP (its `model_input_names` is `["input_ids"]`)
    /// and SigLIP's text model attends to the padding, so the mask here is 1 everywhere, padding
    /// included; `lengths` gives the number of real tokens.
    public func callAsFunction(_ texts: [String], padding: Padding = .maxLength, truncation: Bool = true) -> TokenizedBatch {
        let rows = concurrentMap(count: texts.count, concurrency: maxConcurrency, makeState: {}) { _, index in
            row(for: texts[index], truncation: truncation)
        }
        return BatchAssembly.assemble(rows, padding: padding, maxLength: maxLength, padID: padTokenID,
                                      side: paddingSide, maskOnPadding: 1)
    }

    /// `prepare_for_model`: room is made for the one special token, then `</s>` is added if missing.
    func row(for text: String, truncation: Bool) -> [Int] {
        var ids = contentIDs(of: text)
        if truncation && ids.count + 1 > maxLength {
            let remove = ids.count + 1 - maxLength
            if truncationSide == .right {
                ids.removeLast(min(remove, ids.count))
            } else {
                ids.removeFirst(min(remove, ids.count))
            }
        }
        return appendingEndOfSequence(to: ids)
    }

    private func appendingEndOfSequence(to ids: [Int]) -> [Int] {
        ids.last == eosTokenID ? ids : ids + [eosTokenID]
    }

    /// A token produced by `tokenize`, before the id conversion.
    private struct Token {
        var id: Int
        var isSpecial: Bool
        var isSpaceSymbol: Bool
    }

    /// `tokenize(text)` converted to ids, without the end-of-sequence token.
    func contentIDs(of text: String) -> [Int] {
        var prepared = "\u{2581}"
        prepared.unicodeScalars.append(contentsOf: text.unicodeScalars.lazy.map { $0 == "\u{2581}" ? " " : $0 })
        var tokens: [Token] = []
        for chunk in splitOnAddedTokens(prepared) {
            switch chunk {
            case .token(let token):
                tokens.append(Token(id: token.id, isSpecial: token.special, isSpaceSymbol: false))
            case .text(let scalars):
                if !scalars.isEmpty { tokenizeChunk(scalars, into: &tokens) }
            }
        }
        if tokens.count > 1, tokens[0].isSpaceSymbol, tokens[1].isSpecial {
            tokens.removeFirst()
        }
        return tokens.map(\.id)
    }

    private enum Chunk {
        case text(ArraySlice<Unicode.Scalar>)
        case token(AddedToken)
    }

    /// `Trie.split` plus the `lstrip` / `rstrip` handling of `PreTrainedTokenizer.tokenize`.
    private func splitOnAddedTokens(_ text: String) -> [Chunk] {
        var chunks: [Chunk] = addedTokens.split(text).map { segment in
            switch segment {
            case .text(let scalars): return .text(ArraySlice(Array(scalars)))
            case .token(let token): return .token(token)
            }
        }
        for index in chunks.indices {
            guard case .token(let token) = chunks[index] else { continue }
            if token.rightStrip, index + 1 < chunks.count, case .text(let right) = chunks[index + 1], !right.isEmpty {
                chunks[index + 1] = .text(PythonText.leftStripped(right))
            }
            if token.leftStrip, index > 0, case .text(let left) = chunks[index - 1], !left.isEmpty {
                chunks[index - 1] = .text(PythonText.rightStripped(left))
            }
        }
        return chunks
    }

    /// `_tokenize`: canonicalize, encode behind `"<unk>"`, drop the pieces of `"<unk>"`.
    private func tokenizeChunk(_ chunk: ArraySlice<Unicode.Scalar>, into tokens: inout [Token]) {
        var input = unknownTokenUTF8
        for scalar in canonicalized(chunk) { appendUTF8(scalar, to: &input) }
        let pieces = processor.encode(input)
        let kept = pieces.count >= unknownTokenLength ? pieces[unknownTokenLength...] : pieces[...]
        for piece in kept {
            switch piece {
            case .vocabulary(let id):
                let bytes = processor.pieceBytes[Int(id)]
                tokens.append(Token(id: vocabularyIDs[Int(id)], isSpecial: false,
                                    isSpaceSymbol: bytes == SentencePieceNormalizer.spaceSymbol))
            case .unknown(let bytes):
                tokens.append(Token(id: addedTokenIDs[bytes] ?? processor.pieceToID(bytes), isSpecial: false,
                                    isSpaceSymbol: bytes == SentencePieceNormalizer.spaceSymbol))
            case .byte(let byte):
                let bytes = UnigramProcessor.bytePiece(byte)
                tokens.append(Token(id: addedTokenIDs[bytes] ?? processor.pieceToID(bytes), isSpecial: false,
                                    isSpaceSymbol: false))
            }
        }
    }

    /// `canonicalize_text(text)`: lowercase (if configured), drop `string.punctuation`, collapse `\s+`
    /// to one space, strip.
    func canonicalized(_ chunk: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        let cased = lowercases ? PythonText.lowercased(Array(chunk)) : Array(chunk)
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(cased.count)
        var inSpace = false
        for scalar in cased where !PythonText.isASCIIPunctuation(scalar) {
            if PythonText.isSpace(scalar) {
                if !inSpace { output.append(" ") }
                inSpace = true
            } else {
                output.append(scalar)
                inSpace = false
            }
        }
        return PythonText.stripped(output[...])
    }
}
