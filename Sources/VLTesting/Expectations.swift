public import Testing
public import VLCore

/// Records a Swift Testing issue with the full ``TensorComparison`` report unless `actual` and `expected` have the same
/// shape and every element satisfies `|a - b| <= atol + rtol · |b|`. Returns the comparison.
///
/// ```swift
/// @Test func patchEmbedding() throws {
///     expectClose(try layer(input), expected, rtol: 1e-5, atol: 1e-6, "patch_embedding")
/// }
/// ```
@discardableResult
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1.3e-6, atol: Float = 1e-5, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> TensorComparison {
    let comparison = TensorComparison(actual, expected, rtol: rtol, atol: atol)
    if !comparison.passed {
        Issue.record("\(label.isEmpty ? "" : label + ": ")\(comparison)", sourceLocation: sourceLocation)
    }
    return comparison
}

/// Records an issue naming the first divergence and every failing module unless the two traces agree on every common
/// module (see ``TraceComparison``). Returns the comparison.
@discardableResult
public func expectTracesClose(
    _ actual: Trace, _ reference: Trace, rtol: Float = 1e-5, atol: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) -> TraceComparison {
    let comparison = TraceComparison(actual, reference, rtol: rtol, atol: atol)
    if !comparison.passed {
        Issue.record("\(comparison)", sourceLocation: sourceLocation)
    }
    return comparison
}

/// ``expectClose(_:_:rtol:atol:_:sourceLocation:)`` for flat arrays (compared as 1-D tensors; different counts fail).
@discardableResult
public func expectClose(
    _ actual: [Float], _ expected: [Float], rtol: Float = 1.3e-6, atol: Float = 1e-5, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> TensorComparison {
    expectClose(Tensor(vector: actual), Tensor(vector: expected), rtol: rtol, atol: atol, label, sourceLocation: sourceLocation)
}

extension Tensor {
    /// A 1-D tensor of `values`.
    init(vector values: [Float]) {
        self.init(shape: [values.count]) { out in
            for (i, value) in values.enumerated() { out[i] = value }
        }
    }
}
