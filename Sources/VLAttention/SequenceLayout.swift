/// How the rows of an activation buffer `[rows, D]` split into sequences for self-attention.
///
/// - `uniform`: `batch` sequences of `tokens` rows each (`rows = batch * tokens`), the `[B, N, D]` layout.
/// - `packed`: sequences of their own lengths, back to back without padding (`rows = lengths.sum()`): a batch of
///   prompts of different lengths runs its projections and MLPs over the real tokens only.
///
/// A mask for the layout holds one `[n_s, n_s]` block of additive scores per sequence, in order (for `uniform`, the
/// usual `[B, N, N]`).
package enum SequenceLayout: Sendable {
    case uniform(batch: Int, tokens: Int)
    case packed(lengths: [Int])

    /// Rows of the buffer.
    package var rows: Int {
        switch self {
        case let .uniform(batch, tokens): batch * tokens
        case let .packed(lengths): lengths.reduce(0, +)
        }
    }

    /// The longest sequence.
    package var longest: Int {
        switch self {
        case let .uniform(_, tokens): tokens
        case let .packed(lengths): lengths.max() ?? 0
        }
    }

    /// Elements of a mask for this layout.
    package var maskCount: Int {
        switch self {
        case let .uniform(batch, tokens): batch * tokens * tokens
        case let .packed(lengths): lengths.reduce(0) { $0 + $1 * $1 }
        }
    }

    /// Calls `body(firstRow, length, maskOffset)` for every sequence in order.
    package func forEachSequence(_ body: (_ firstRow: Int, _ length: Int, _ maskOffset: Int) -> Void) {
        switch self {
        case let .uniform(batch, tokens):
            for s in 0..<batch { body(s * tokens, tokens, s * tokens * tokens) }
        case let .packed(lengths):
            var row = 0, maskOffset = 0
            for n in lengths {
                body(row, n, maskOffset)
                row += n
                maskOffset += n * n
            }
        }
    }
}
