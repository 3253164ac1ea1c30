extension Optional where Wrapped == Tensor {
    /// Calls `body` with the tensor's base address, or with nil when there is no tensor
    /// (an optional bias, mask or gain).
    @inlinable
    package func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        switch self {
        case .some(let tensor): try tensor.withUnsafeBufferPointer { try body($0.baseAddress) }
        case .none: try body(nil)
        }
    }
}
