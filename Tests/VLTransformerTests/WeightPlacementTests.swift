import Foundation
import Testing
import VLAttention
import VLCore

/// Weights live in pages of their own, so that the buffers freed while a checkpoint loads (conversions, the
/// concatenation before packing) leave no holes in the heap that glibc cannot return. On the heap, a ViT-L/14-336
/// checkpoint peaked at 1.91 GB resident for 1.21 GB of weights; in own pages at weights + 76 MB
/// (Docs/Performance.md). Both the packed path (release builds) and the plain one are checked.
@Suite struct WeightPlacementTests {
    /// A CLIP-style layer at width 512 (each projection 1 MiB, the MLP's 4 MiB) written to a safetensors file.
    static func checkpoint() throws -> String {
        var random = SystemRandomNumberGenerator()
        func tensor(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape) { out in for i in out.indices { out[i] = Float.random(in: -0.05...0.05, using: &random) } }
        }
        var tensors: [String: Tensor] = [:]
        for name in ["q_proj", "k_proj", "v_proj", "out_proj"] {
            tensors["self_attn.\(name).weight"] = tensor([512, 512])
            tensors["self_attn.\(name).bias"] = tensor([512])
        }
        tensors["mlp.fc1.weight"] = tensor([2048, 512])
        tensors["mlp.fc1.bias"] = tensor([2048])
        tensors["mlp.fc2.weight"] = tensor([512, 2048])
        tensors["mlp.fc2.bias"] = tensor([512])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-placement-\(UUID().uuidString).safetensors").path
        try SafeTensorsWriter.write(tensors, to: path)
        return path
    }

    @Test("Weights read from a file, fused at load and packed sit in their own pages; small tensors stay on the heap",
          arguments: [true, false])
    func ownPages(packed: Bool) throws {
        let path = try Self.checkpoint()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafeTensorsFile(path: path)
        #expect(try file.tensor(named: "mlp.fc1.weight").hasOwnPages)
        #expect(try !file.tensor(named: "mlp.fc1.bias").hasOwnPages)

        let loader = ParameterLoader(source: file, packWeights: packed)
        let attention = try MultiHeadAttention(loader.root["self_attn"], width: 512, heads: 8, layout: .separate(
            query: "q_proj", key: "k_proj", value: "v_proj", output: "out_proj"))
        let mlp = try Linear(loader.root["mlp.fc1"], inFeatures: 512, outFeatures: 2048)
        #expect(attention.inputProjection.isPacked == (packed && loader.prefersPackedWeights))
        #expect(attention.inputProjection.weightHasOwnPages)  // the fused [3D, D] projection
        #expect(attention.output.weightHasOwnPages)
        #expect(mlp.weightHasOwnPages)
        // Values are unchanged by where they live.
        #expect(attention.output.weight.scalars == (try file.tensor(named: "self_attn.out_proj.weight")).scalars)
    }

    @Test("Random weights (presets, benchmarks) sit in their own pages too")
    func randomWeights() throws {
        let loader = ParameterLoader(randomSeed: 7, packWeights: false)
        let layer = try Linear(loader.root["fc"], inFeatures: 1024, outFeatures: 1024)
        #expect(layer.weightHasOwnPages)
        let small = try Linear(loader.root["small"], inFeatures: 64, outFeatures: 64)
        #expect(!small.weightHasOwnPages)
    }
}
