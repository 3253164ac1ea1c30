import Foundation

extension CLIPTokenizer {
    /// Loads a CLIP tokenizer folder the way transformers 5.23's `AutoTokenizer.from_pretrained` does.
    ///
    /// Reads `tokenizer.json` when present (its `model.vocab` and `model.merges`; the normaliser and
    /// pre-tokeniser in it are ignored, as transformers' `CLIPTokenizer` rebuilds its own), otherwise
    /// `vocab.json` + `merges.txt`. Special tokens, `model_max_length`, `padding_side` and
    /// `truncation_side` come from `tokenizer_config.json`, and from `special_tokens_map.json` when the
    /// config has no `added_tokens_decoder` (transformers' legacy rule).
    public init(directory: String) throws(TokenizerError) {
        let configuration = try TokenizerConfiguration.load(directory: directory)
        let tokenizerJSONPath = FileLoading.path(directory, "tokenizer.json")
        let vocabularyPath = FileLoading.path(directory, "vocab.json")
        let mergesPath = FileLoading.path(directory, "merges.txt")
        let vocabulary: [String: Int]
        let merges: [(String, String)]
        var extraAddedTokens: [AddedTokenSpec] = configuration.addedTokens
        let vocabularySource: String
        let mergesSource: String
        if FileLoading.exists(tokenizerJSONPath) {
            let file = try CLIPTokenizerFile(path: tokenizerJSONPath)
            vocabulary = file.vocabulary
            merges = file.merges
            if !configuration.hasAddedTokensDecoder { extraAddedTokens += file.addedTokens }
            vocabularySource = tokenizerJSONPath
            mergesSource = tokenizerJSONPath
        } else {
            guard FileLoading.exists(vocabularyPath) else {
                throw .missingFile(path: vocabularyPath, reason: "the folder has neither tokenizer.json nor vocab.json")
            }
            guard FileLoading.exists(mergesPath) else {
                throw .missingFile(path: mergesPath, reason: "vocab.json needs a merges.txt beside it")
            }
            vocabulary = try Self.readVocabulary(at: vocabularyPath)
            merges = try Self.readMerges(at: mergesPath)
            vocabularySource = vocabularyPath
            mergesSource = mergesPath
        }
        try self.init(
            vocabulary: vocabulary, merges: merges,
            bosToken: try configuration.specialToken("bos_token") ?? "<|startoftext|>",
            eosToken: try configuration.specialToken("eos_token") ?? "<|endoftext|>",
            unknownToken: try configuration.specialToken("unk_token") ?? "<|endoftext|>",
            padToken: try configuration.specialToken("pad_token") ?? "<|endoftext|>",
            additionalSpecialTokens: try configuration.additionalSpecialTokens(),
            addedTokens: extraAddedTokens,
            maxLength: try configuration.modelMaxLength() ?? 77,
            paddingSide: try configuration.side("padding_side"),
            truncationSide: try configuration.side("truncation_side"),
            vocabularySource: vocabularySource, mergesSource: mergesSource)
    }

    /// Builds a tokenizer from an in-memory vocabulary and merges (ranked by their order).
    ///
    /// Throws when a merge refers to a token, or produces a token, that is not in `vocabulary`.
    public init(vocabulary: [String: Int], merges: [(String, String)], maxLength: Int = 77,
                bosToken: String = "<|startoftext|>", eosToken: String = "<|endoftext|>",
                unknownToken: String = "<|endoftext|>", padToken: String = "<|endoftext|>",
                additionalSpecialTokens: [String] = []) throws(TokenizerError) {
        try self.init(vocabulary: vocabulary, merges: merges, bosToken: bosToken, eosToken: eosToken,
                      unknownToken: unknownToken, padToken: padToken,
                      additionalSpecialTokens: additionalSpecialTokens, addedTokens: [], maxLength: maxLength,
                      paddingSide: .right, truncationSide: .right,
                      vocabularySource: "<in-memory vocabulary>", mergesSource: "<in-memory merges>")
    }

    init(vocabulary: [String: Int], merges: [(String, String)], bosToken: String, eosToken: String,
         unknownToken: String, padToken: String, additionalSpecialTokens: [String], addedTokens: [AddedTokenSpec],
         maxLength: Int, paddingSide: Side, truncationSide: Side,
         vocabularySource: String, mergesSource: String) throws(TokenizerError) {
        guard maxLength > 0 else {
            throw .invalidConfiguration(path: vocabularySource, reason: "maxLength is \(maxLength), expected a positive value")
        }
        model = try BPEModel(vocabulary: vocabulary, merges: merges, unknownToken: unknownToken,
                             source: vocabularySource, mergesSource: mergesSource)
        // Added tokens keep their vocabulary id; tokens outside the vocabulary get the id recorded in
        // the configuration, else the next free id (as the Rust `AddedVocabulary`).
        var nextID = (vocabulary.values.max() ?? -1) + 1
        var tokens: [AddedToken] = []
        func register(_ content: String, configuredID: Int?, special: Bool) -> Int {
            if let existing = tokens.first(where: { $0.content == content }) { return existing.id }
            let id: Int
            if let known = vocabulary[content] {
                id = known
            } else if let configuredID {
                id = configuredID
                nextID = max(nextID, configuredID + 1)
            } else {
                id = nextID
                nextID += 1
            }
            tokens.append(AddedToken(content: content, id: id, special: special))
            return id
        }
        for spec in addedTokens {
            _ = register(spec.content, configuredID: spec.id, special: spec.special)
        }
        bosTokenID = register(bosToken, configuredID: nil, special: true)
        eosTokenID = register(eosToken, configuredID: nil, special: true)
        unknownTokenID = register(unknownToken, configuredID: nil, special: true)
        padTokenID = register(padToken, configuredID: nil, special: true)
        for token in additionalSpecialTokens { _ = register(token, configuredID: nil, special: true) }
        self.addedTokens = AddedTokenMatcher(tokens)
        self.maxLength = maxLength
        self.paddingSide = paddingSide
        self.truncationSide = truncationSide
        self.maxConcurrency = ProcessInfo.processInfo.activeProcessorCount
        cache = BPECache()
    }

    /// `vocab.json`: a JSON object from token to integer id.
    static func readVocabulary(at path: String) throws(TokenizerError) -> [String: Int] {
        let object = try FileLoading.jsonObject(at: path)
        return try vocabulary(from: object.values, path: path, context: "")
    }

    static func vocabulary(from values: [String: Any], path: String, context: String) throws(TokenizerError) -> [String: Int] {
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(values.count)
        for (token, value) in values {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0 else {
                throw .invalidVocabulary(path: path, reason: "\(context)\"\(token)\" has a value that is not a non-negative integer id")
            }
            vocabulary[token] = id
        }
        if vocabulary.isEmpty {
            throw .invalidVocabulary(path: path, reason: "\(context.isEmpty ? "the vocabulary" : context) is empty")
        }
        return vocabulary
    }

    /// `merges.txt`, parsed like the Rust crate's `BPE::read_file`: lines starting with `#version` are
    /// skipped, every other line must be exactly two tokens separated by one space.
    static func readMerges(at path: String) throws(TokenizerError) -> [(String, String)] {
        let bytes = try FileLoading.bytes(at: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableFile(path: path, reason: "the file is not valid UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var merges: [(String, String)] = []
        merges.reserveCapacity(lines.count)
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .invalidMerges(path: path, line: index + 1,
                                     reason: "expected two tokens separated by one space, found \"\(line)\"")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}

/// The parts of a `tokenizer.json` that transformers' `CLIPTokenizer` uses.
struct CLIPTokenizerFile {
    var vocabulary: [String: Int]
    var merges: [(String, String)]
    var addedTokens: [AddedTokenSpec]

    init(path: String) throws(TokenizerError) {
        let root = try FileLoading.jsonObject(at: path)
        guard let model = try root.object("model") else {
            throw .malformedJSON(path: path, reason: "no \"model\" object")
        }
        if let type = try model.string("type"), type != "BPE" {
            throw .unsupported(path: path, reason: "model type \"\(type)\" (a CLIP tokenizer is a BPE model)")
        }
        guard let vocabularyValue = model.values["vocab"] else {
            throw .malformedJSON(path: path, reason: "no \"model.vocab\"")
        }
        if let dictionary = vocabularyValue as? [String: Any] {
            vocabulary = try CLIPTokenizer.vocabulary(from: dictionary, path: path, context: "model.vocab ")
        } else if let list = vocabularyValue as? [Any] {
            var built: [String: Int] = [:]
            for (index, item) in list.enumerated() {
                if let token = item as? String {
                    built[token] = index
                } else if let pair = item as? [Any], let token = pair.first as? String {
                    built[token] = index
                } else {
                    throw .invalidVocabulary(path: path, reason: "model.vocab[\(index)] is not a token")
                }
            }
            vocabulary = built
        } else {
            throw .malformedJSON(path: path, reason: "\"model.vocab\" is neither an object nor an array")
        }
        let mergeValues = try model.array("merges") ?? []
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeValues.count)
        for (index, item) in mergeValues.enumerated() {
            if let string = item as? String {
                let parts = string.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw .invalidMerges(path: path, line: index + 1, reason: "\"\(string)\" is not two tokens separated by one space")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = item as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
                merges.append((left, right))
            } else {
                throw .invalidMerges(path: path, line: index + 1, reason: "model.merges[\(index)] is not a pair of tokens")
            }
        }
        self.merges = merges
        var added: [AddedTokenSpec] = []
        for (index, item) in (try root.array("added_tokens") ?? []).enumerated() {
            guard let entry = item as? [String: Any], let content = entry["content"] as? String,
                  let id = (entry["id"] as? NSNumber)?.intValue else {
                throw .malformedJSON(path: path, reason: "added_tokens[\(index)] lacks \"content\" or \"id\"")
            }
            added.append(AddedTokenSpec(content: content, id: id, special: entry["special"] as? Bool ?? false))
        }
        addedTokens = added
    }
}
