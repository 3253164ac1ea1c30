package import VLCore

extension TransformerBlock {
    /// The block composed from tensor operations, recording what forward hooks on the PyTorch layer see, under
    /// ``path``: the norms, the attention and its projections, DINOv2's `layer_scale1` / `layer_scale2` and
    /// `drop_path` (an identity whose last call, after the MLP branch, is what a hook keeps), the MLP and its parts,
    /// and the layer's output. `mask`: additive scores `[B, N, N]` (text towers). `[B, N, D]` → `[B, N, D]`.
    package func tracedForward(_ x: Tensor, mask: Tensor? = nil) throws -> Tensor {
        func child(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
        /// `layer_scale1.lambda1` → `layer_scale1`: the module that owns the parameter.
        func owner(_ key: String) -> String { key.split(separator: ".").dropLast().joined(separator: ".") }
        let dropPath = keys == .dinov2
        let h1 = try norm1(x)
        Tracing.record(child(keys.norm1), h1)
        var branch = try attention.tracedAttention(h1, mask: mask, base: child(keys.attention))
        Tracing.record(child(keys.attention), branch)
        if let layerScale1, let key = keys.layerScale1 {
            branch = try branch * layerScale1
            Tracing.record(child(owner(key)), branch)
        }
        if dropPath { Tracing.record(child("drop_path"), branch) }
        let h = try x + branch
        let h2 = try norm2(h)
        Tracing.record(child(keys.norm2), h2)
        var mlpBranch = try mlp.tracedForward(h2, base: child(keys.mlp))
        if let layerScale2, let key = keys.layerScale2 {
            mlpBranch = try mlpBranch * layerScale2
            Tracing.record(child(owner(key)), mlpBranch)
        }
        if dropPath { Tracing.record(child("drop_path"), mlpBranch) }
        let result = try h + mlpBranch
        Tracing.record(path, result)
        return result
    }
}
