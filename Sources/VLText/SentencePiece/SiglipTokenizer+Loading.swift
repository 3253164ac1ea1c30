import Foundation

extension SiglipTokenizer {
    /// Loads a SigLIP tokenizer folder: `spiece.model` (a SentencePiece `ModelProto`) and an optional
    /// `tokenizer_config.json` (`do_lower_case`, `model_max_length`, `legacy`, special tokens,
    /// `added_tokens_decoder`, `model_input_names`, `padding_side`, `truncation_side`).
    ///
    /// As transformers' `SentencePieceBackend`, `"legacy": false` turns the model's `add_dummy_prefix` off.
    public init(directory: String) throws(TokenizerError) {
        let configuration = try TokenizerConfiguration.load(directory: directory)
        let modelPath = FileLoading.path(directory, "spiece.model")
        guard FileLoading.exists(modelPath) else {
            throw .missingFile(path: modelPath, reason: "a SigLIP tokenizer folder needs spiece.model")
        }
        var model = try SentencePieceModelFile(bytes: try FileLoading.bytes(at: modelPath), path: modelPath)
        if try configuration.bool("legacy") == false {
            model.addDummyPrefix = false
        }
        let processor = try UnigramProcessor(model: model, path: modelPath)
        let maxLength = try configuration.modelMaxLength() ?? 64
        let inputNames = try configuration.modelInputNames() ?? ["input_ids", "attention_mask"]
        self.init(
            processor: processor,
            eosToken: try configuration.specialToken("eos_token") ?? "</s>",
            unknownToken: try configuration.specialToken("unk_token") ?? "<unk>",
            padToken: try configuration.specialToken("pad_token") ?? "</s>",
            additionalSpecialTokens: try configuration.additionalSpecialTokens(),
            addedTokens: configuration.addedTokens,
            maxLength: maxLength,
            lowercases: try configuration.bool("do_lower_case") ?? true,
            returnsAttentionMask: inputNames.contains("attention_mask"),
            paddingSide: try configuration.side("padding_side"),
            truncationSide: try configuration.side("truncation_side"))
    }

    init(processor: UnigramProcessor, eosToken: String, unknownToken: String, padToken: String,
         additionalSpecialTokens: [String], addedTokens: [AddedTokenSpec], maxLength: Int, lowercases: Bool,
         returnsAttentionMask: Bool, paddingSide: Side, truncationSide: Side) {
        var tokens: [AddedToken] = []
        var nextID = processor.pieceCount
        func register(_ content: String, configuredID: Int?, leftStrip: Bool, rightStrip: Bool, special: Bool) -> Int {
            if let existing = tokens.first(where: { $0.content == content }) { return existing.id }
            let bytes = Array(content.utf8)
            let baseID = processor.pieceToID(bytes)
            let id: Int
            if let configuredID {
                id = configuredID
            } else if baseID < processor.pieceCount && processor.pieceBytes[baseID] == bytes {
                id = baseID
            } else {
                id = nextID
            }
            nextID = max(nextID, id + 1)
            tokens.append(AddedToken(content: content, id: id, leftStrip: leftStrip, rightStrip: rightStrip, special: special))
            return id
        }
        for spec in addedTokens {
            _ = register(spec.content, configuredID: spec.id, leftStrip: spec.leftStrip, rightStrip: spec.rightStrip,
                         special: spec.special || [eosToken, unknownToken, padToken].contains(spec.content))
        }
        // SiglipTokenizer wraps its string special tokens as AddedToken(lstrip=True, rstrip=True).
        eosTokenID = register(eosToken, configuredID: nil, leftStrip: true, rightStrip: true, special: true)
        unknownTokenID = register(unknownToken, configuredID: nil, leftStrip: true, rightStrip: true, special: true)
        padTokenID = register(padToken, configuredID: nil, leftStrip: true, rightStrip: true, special: true)
        for token in additionalSpecialTokens {
            _ = register(token, configuredID: nil, leftStrip: false, rightStrip: false, special: true)
        }
        self.processor = processor
        self.addedTokens = AddedTokenMatcher(tokens)
        var addedIDs: [[UInt8]: Int] = [:]
        for token in tokens { addedIDs[Array(token.content.utf8)] = token.id }
        addedTokenIDs = addedIDs
        vocabularyIDs = processor.pieceBytes.map { addedIDs[$0] ?? processor.pieceToID($0) }
        unknownTokenUTF8 = Array(unknownToken.utf8)
        unknownTokenLength = processor.encode(unknownTokenUTF8).count
        self.maxLength = maxLength
        self.lowercases = lowercases
        self.returnsAttentionMask = returnsAttentionMask
        self.paddingSide = paddingSide
        self.truncationSide = truncationSide
        self.maxConcurrency = ProcessInfo.processInfo.activeProcessorCount
    }
}
