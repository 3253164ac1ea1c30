/// How a batch is padded, as transformers' `padding=` argument.
public enum Padding: Sendable, Equatable {
    /// No padding: every row keeps its own length (`padding=False`).
    case none
    /// Pad every row to the longest row of the batch (`padding="longest"`).
    case longest
    /// Pad every row to the tokenizer's `maxLength` (`padding="max_length"`); rows longer than it
    /// (only possible without truncation) are left as they are, like transformers does.
    case maxLength
}

/// Which end of a sequence padding or truncation applies to (`padding_side` / `truncation_side`).
public enum Side: String, Sendable, Equatable {
    case left
    case right
}

/// The result of tokenizing a batch: one row per input text.
public struct TokenizedBatch: Sendable, Equatable {
    /// Token ids per text, padded as requested.
    public var inputIDs: [[Int]]
    /// Attention mask per text, same shape as `inputIDs`. See each tokenizer for its meaning.
    public var attentionMask: [[Int]]
    /// Number of real (non-padding) tokens per text.
    public var lengths: [Int]

    public init(inputIDs: [[Int]], attentionMask: [[Int]], lengths: [Int]) {
        self.inputIDs = inputIDs
        self.attentionMask = attentionMask
        self.lengths = lengths
    }

    /// Number of rows.
    public var count: Int { inputIDs.count }
}
