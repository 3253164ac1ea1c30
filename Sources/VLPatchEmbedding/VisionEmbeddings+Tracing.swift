package import VLCore

extension VisionEmbeddings {
    /// The embeddings composed from tensor operations, recording what forward hooks on transformers' modules see:
    /// the patch convolution's output `[B, D, h, w]` (`patch_embedding`, DINOv2's `patch_embeddings.projection`),
    /// DINOv2's flattened `patch_embeddings` `[B, h·w, D]`, CLIP's and SigLIP's `position_embedding` `[1, N, D]` at
    /// the native grid (transformers reads the table without calling the module when it interpolates), DINOv2's
    /// `dropout`, and the embeddings' output. Paths are under ``path``. The same values as ``callAsFunction(_:)``.
    package func tracedForward(_ pixels: Tensor) throws -> Tensor {
        let output = try self(pixels)
        guard Tracing.isRecording else { return output }
        let (gh, gw) = try patchEmbedding.grid(for: pixels)
        let patches = try patchEmbedding(pixels)  // [B, h·w, D]
        let batch = pixels.shape[0]
        let convolution = try patches.reshaped([batch, gh, gw, width]).permuted([0, 3, 1, 2])
        Tracing.record(name(keys.patch), convolution)
        if keys.patch.hasSuffix(".projection") {
            Tracing.record(name(String(keys.patch.dropLast(".projection".count))), patches)
        }
        if keys.position.hasSuffix(".weight"), gh == positions.nativeGrid, gw == positions.nativeGrid {
            let table = positions.embeddings(gridHeight: gh, gridWidth: gw)
            try Tracing.record(name(String(keys.position.dropLast(".weight".count))), table.reshaped([1] + table.shape))
        }
        if keys.patch.hasSuffix(".projection") { Tracing.record(name("dropout"), output) }
        Tracing.record(path, output)
        return output
    }

    private func name(_ child: String) -> String { path.isEmpty ? child : path + "." + child }
}
