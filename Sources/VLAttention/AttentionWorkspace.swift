import VLCore

/// Scratch buffers for attention, allocated once per forward pass and reused by every layer.
///
/// Not shared between concurrent calls: each call makes its own.
package struct AttentionWorkspace: ~Copyable {
    package private(set) var projections: UnsafeMutablePointer<Float>
    package private(set) var queries: UnsafeMutablePointer<Float>
    package private(set) var context: UnsafeMutablePointer<Float>
    package private(set) var scores: UnsafeMutablePointer<Float>
    private var capacity: (projections: Int, queries: Int, context: Int, scores: Int)

    /// Sized for `rows` tokens of width `width`, and `heads x queries x keys` scores.
    package init(rows: Int, width: Int, heads: Int, queries m: Int, keys n: Int) {
        capacity = (rows * 3 * width, rows * width, rows * width, heads * m * n)
        projections = .allocate(capacity: max(capacity.projections, 1))
        queries = .allocate(capacity: max(capacity.queries, 1))
        context = .allocate(capacity: max(capacity.context, 1))
        scores = .allocate(capacity: max(capacity.scores, 1))
    }

    /// Grows the buffers when a call needs more than they hold.
    package mutating func reserve(rows: Int, width: Int, heads: Int, queries m: Int, keys n: Int) {
        if rows * 3 * width > capacity.projections {
            projections.deallocate(); capacity.projections = rows * 3 * width
            projections = .allocate(capacity: capacity.projections)
        }
        if rows * width > capacity.queries {
            queries.deallocate(); capacity.queries = rows * width
            queries = .allocate(capacity: capacity.queries)
        }
        if rows * width > capacity.context {
            context.deallocate(); capacity.context = rows * width
            context = .allocate(capacity: capacity.context)
        }
        if heads * m * n > capacity.scores {
            scores.deallocate(); capacity.scores = heads * m * n
            scores = .allocate(capacity: capacity.scores)
        }
    }

    deinit {
        projections.deallocate()
        queries.deallocate()
        context.deallocate()
        scores.deallocate()
    }
}
