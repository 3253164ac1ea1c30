/// One entry of transformers' `added_tokens_decoder` (an `AddedToken`).
struct AddedTokenSpec: Sendable, Equatable {
    var content: String
    var id: Int?
    var leftStrip = false
    var rightStrip = false
    var special = true
}

/// The settings transformers reads from `tokenizer_config.json`, merged with `special_tokens_map.json`
/// the way `PreTrainedTokenizerBase.from_pretrained` does in transformers 5.23: the map is read only when
/// the config has no `added_tokens_decoder`, and then its entries override the config's.
struct TokenizerConfiguration {
    /// `tokenizer_config.json` (possibly absent: then `configPath` still names where it was looked for).
    let config: JSONObject
    let configPath: String
    /// Entries of `added_tokens_decoder`, in id order.
    let addedTokens: [AddedTokenSpec]
    let hasAddedTokensDecoder: Bool
    /// Token keys overridden by `special_tokens_map.json`.
    private let specialTokensMap: JSONObject?

    static func load(directory: String) throws(TokenizerError) -> TokenizerConfiguration {
        let configPath = FileLoading.path(directory, "tokenizer_config.json")
        let config = FileLoading.exists(configPath)
            ? try FileLoading.jsonObject(at: configPath)
            : JSONObject([:], path: configPath, context: "")
        var added: [AddedTokenSpec] = []
        let decoder = try config.object("added_tokens_decoder")
        if let decoder {
            for (key, value) in decoder.values {
                guard let id = Int(key), id >= 0 else {
                    throw .invalidConfiguration(path: configPath, reason: "added_tokens_decoder key \"\(key)\" is not a token id")
                }
                guard let entry = value as? [String: Any] else {
                    throw .invalidConfiguration(path: configPath, reason: "added_tokens_decoder[\"\(key)\"] is not an object")
                }
                let token = JSONObject(entry, path: configPath, context: "added_tokens_decoder.\(key)")
                guard let content = try token.string("content"), !content.isEmpty else {
                    throw .invalidConfiguration(path: configPath, reason: "added_tokens_decoder[\"\(key)\"] has no content")
                }
                added.append(AddedTokenSpec(
                    content: content, id: id,
                    leftStrip: try token.bool("lstrip") ?? false,
                    rightStrip: try token.bool("rstrip") ?? false,
                    special: try token.bool("special") ?? false))
            }
            added.sort { ($0.id ?? 0) < ($1.id ?? 0) }
        }
        var specialTokensMap: JSONObject?
        let mapPath = FileLoading.path(directory, "special_tokens_map.json")
        if decoder == nil, FileLoading.exists(mapPath) {
            specialTokensMap = try FileLoading.jsonObject(at: mapPath)
        }
        return TokenizerConfiguration(config: config, configPath: configPath, addedTokens: added,
                                      hasAddedTokensDecoder: decoder != nil, specialTokensMap: specialTokensMap)
    }

    /// A special token (`bos_token`, `eos_token`, `unk_token`, `pad_token`, ...), or nil when not configured.
    func specialToken(_ key: String) throws(TokenizerError) -> String? {
        if let map = specialTokensMap, let value = try map.token(key) { return value }
        return try config.token(key)
    }

    /// `additional_special_tokens` / `extra_special_tokens` given as a list.
    func additionalSpecialTokens() throws(TokenizerError) -> [String] {
        var result: [String] = []
        for source in [specialTokensMap, config].compactMap({ $0 }) {
            for key in ["additional_special_tokens", "extra_special_tokens"] where source.contains(key) {
                guard let list = source.values[key] as? [Any] else { continue }  // a dict form names model tokens
                for item in list {
                    if let string = item as? String {
                        result.append(string)
                    } else if let object = item as? [String: Any], let content = object["content"] as? String {
                        result.append(content)
                    } else {
                        throw .invalidConfiguration(path: source.path, reason: "\"\(key)\" holds a value that is not a token")
                    }
                }
            }
        }
        return result
    }

    func int(_ key: String) throws(TokenizerError) -> Int? { try config.int(key) }
    func bool(_ key: String) throws(TokenizerError) -> Bool? { try config.bool(key) }

    /// `padding_side` / `truncation_side`, defaulting to `.right`.
    func side(_ key: String) throws(TokenizerError) -> Side {
        guard let value = try config.string(key) else { return .right }
        guard let side = Side(rawValue: value) else {
            throw .invalidConfiguration(path: configPath, reason: "\"\(key)\" is \"\(value)\", expected \"left\" or \"right\"")
        }
        return side
    }

    /// `model_max_length`, when present and usable. transformers stores a huge sentinel when unset.
    func modelMaxLength() throws(TokenizerError) -> Int? {
        guard config.contains("model_max_length") else { return nil }
        if let value = config.values["model_max_length"] as? Double, value > 1e15 { return nil }
        guard let value = try config.int("model_max_length") else { return nil }
        guard value > 0 else {
            throw .invalidConfiguration(path: configPath, reason: "\"model_max_length\" is \(value), expected a positive integer")
        }
        return value > 1_000_000_000 ? nil : value
    }

    /// `model_input_names`, when present.
    func modelInputNames() throws(TokenizerError) -> [String]? {
        guard let list = try config.array("model_input_names") else { return nil }
        var names: [String] = []
        for item in list {
            guard let name = item as? String else {
                throw .invalidConfiguration(path: configPath, reason: "\"model_input_names\" holds a value that is not a string")
            }
            names.append(name)
        }
        return names
    }
}
