/// A module that maps an input to an output: a linear layer, an attention block, an encoder, a connector.
///
/// Layers are immutable after construction and `Sendable`: one instance serves many concurrent calls.
public protocol Layer<Input, Output>: Sendable {
    associatedtype Input
    associatedtype Output
    /// Runs the layer. Throws ``ShapeError`` when `input` does not have a shape the layer takes.
    func callAsFunction(_ input: Input) throws -> Output
}

/// A module whose parameters can be walked by their PyTorch dotted names, relative to the module.
///
/// Composite modules visit their children with the child's attribute name as prefix, so walking a
/// ViT yields `encoder.layers.3.self_attn.q_proj.weight` exactly as `state_dict()` would.
public protocol ParameterContainer {
    /// Calls `visit` with each parameter's dotted path and value, in a stable order.
    func visitParameters(_ visit: (_ path: String, _ tensor: Tensor) throws -> Void) rethrows
}

extension ParameterContainer {
    /// Visits this module's parameters with `prefix.` in front of each path (none when `prefix` is empty).
    public func visitParameters(
        prefix: String, _ visit: (_ path: String, _ tensor: Tensor) throws -> Void
    ) rethrows {
        try visitParameters { path, tensor in
            try visit(prefix.isEmpty ? path : prefix + "." + path, tensor)
        }
    }

    /// The total number of scalar parameters.
    public var parameterCount: Int {
        var total = 0
        visitParameters { _, tensor in total += tensor.count }
        return total
    }

    /// All parameters by dotted path, as a `state_dict()` would list them.
    public var namedParameters: [String: Tensor] {
        var all: [String: Tensor] = [:]
        visitParameters { all[$0] = $1 }
        return all
    }
}
