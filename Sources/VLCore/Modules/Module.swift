/// A building block of a model: a linear layer, an attention block, a tower, a connector.
///
/// A module is built *from* a ``ParameterScope`` (`Linear(scope["q_proj"], ...)`), and the keys it asks the
/// scope for are the one record of its parameters: ``parameters`` holds them, relative to the module, with
/// their shapes as the checkpoint stores them. Parameter counts, the state-dict walk (``namedParameters``) and
/// strict loading (missing, unused and misshapen keys) all come from that record; no module lists its
/// parameters a second time.
///
/// Modules are immutable after construction and `Sendable`: one instance serves many concurrent calls.
public protocol Module: Sendable {
    /// The parameters this module loaded, by dotted key relative to the module, in load order.
    var parameters: ParameterRecord { get }
}

extension Module {
    /// The module's dotted path in the model it belongs to (empty at the root), e.g. `encoder.layers.3.mlp`.
    public var path: String { parameters.path }

    /// The number of scalar parameters, from the recorded shapes (nothing is read or allocated).
    public var parameterCount: Int { parameters.scalarCount }

    /// Every parameter by its checkpoint key, as `state_dict()` lists them; the tensors are in the checkpoint's
    /// layout (fused or packed weights are split or unpacked again). Writing these to a safetensors file gives a
    /// checkpoint this module loads from.
    public var namedParameters: [String: Tensor] { parameters.tensors() }
}

/// A module with one input and one output, called as a function.
public protocol Layer<Input, Output>: Module {
    associatedtype Input
    associatedtype Output
    /// Runs the layer. Throws ``ShapeError`` when `input` does not have a shape the layer takes.
    func callAsFunction(_ input: Input) throws -> Output
}
