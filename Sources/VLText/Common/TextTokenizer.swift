import Foundation

/// What the text towers need of a tokenizer: ids for one text, and a batch as transformers'
/// `tokenizer(texts, padding=..., truncation=True)` makes it. ``CLIPTokenizer`` and ``SiglipTokenizer`` conform.
public protocol TextTokenizer: Sendable {
    /// The model's sequence length (77 for CLIP, 64 for SigLIP).
    var maxLength: Int { get }
    /// Threads a batch call may use (default: every core).
    var maxConcurrency: Int { get set }
    /// Token ids of `text` with the special tokens, without truncation or padding.
    func encode(_ text: String) -> [Int]
    /// A batch of `texts`, padded and truncated as asked.
    func callAsFunction(_ texts: [String], padding: Padding, truncation: Bool) -> TokenizedBatch
}

extension CLIPTokenizer: TextTokenizer {}
extension SiglipTokenizer: TextTokenizer {}

/// Loads the tokenizer of a checkpoint folder: SigLIP's when it holds `spiece.model`, CLIP's when it holds
/// `tokenizer.json` or `vocab.json` + `merges.txt`.
/// - Throws: ``TokenizerError`` when the folder holds neither, or the files are malformed.
public func loadTokenizer(directory: String) throws(TokenizerError) -> any TextTokenizer {
    let manager = FileManager.default
    func exists(_ name: String) -> Bool { manager.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) }
    if exists("spiece.model") { return try SiglipTokenizer(directory: directory) }
    return try CLIPTokenizer(directory: directory)
}
