/// An error raised while loading a tokenizer. Every case names the file (or in-memory source) and
/// says what is wrong with it; encoding itself never throws.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required file does not exist (for example neither `tokenizer.json` nor `vocab.json`).
    case missingFile(path: String, reason: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON, or its JSON does not have the expected shape.
    case malformedJSON(path: String, reason: String)
    /// The vocabulary is unusable (wrong value types, missing special tokens, ...).
    case invalidVocabulary(path: String, reason: String)
    /// A merges entry is malformed or refers to a token that is not in the vocabulary.
    /// `line` is 1-based (for `tokenizer.json`, the 1-based index in `model.merges`).
    case invalidMerges(path: String, line: Int, reason: String)
    /// A configuration value has the wrong type or an impossible value.
    case invalidConfiguration(path: String, reason: String)
    /// A SentencePiece model file is truncated, not a protobuf, or inconsistent.
    case invalidModel(path: String, reason: String)
    /// The file is well formed but describes something this package does not implement.
    case unsupported(path: String, reason: String)

    /// The file (or in-memory source) the error is about.
    public var path: String {
        switch self {
        case .missingFile(let path, _), .unreadableFile(let path, _), .malformedJSON(let path, _),
             .invalidVocabulary(let path, _), .invalidMerges(let path, _, _), .invalidConfiguration(let path, _),
             .invalidModel(let path, _), .unsupported(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let path, let reason):
            return "\(path): missing file: \(reason)"
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read file: \(reason)"
        case .malformedJSON(let path, let reason):
            return "\(path): malformed JSON: \(reason)"
        case .invalidVocabulary(let path, let reason):
            return "\(path): invalid vocabulary: \(reason)"
        case .invalidMerges(let path, let line, let reason):
            return "\(path):\(line): invalid merge: \(reason)"
        case .invalidConfiguration(let path, let reason):
            return "\(path): invalid configuration: \(reason)"
        case .invalidModel(let path, let reason):
            return "\(path): invalid SentencePiece model: \(reason)"
        case .unsupported(let path, let reason):
            return "\(path): unsupported: \(reason)"
        }
    }
}
