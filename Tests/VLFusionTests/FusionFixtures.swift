import Foundation
import VLCore
import VLFusion
import VLTestSupport

/// The golden fixtures of `Tools/reference/make_cogvlm_fixtures.py` (Tests/Fixtures/cogvlm).
enum FusionFixtures {
    static let generations = ["cogvlm1", "cogvlm2"]
    static let cases = ["two_images", "text_only", "image_only", "left_padding", "right_padding"]
    /// Every (generation, case) pair.
    static let all = generations.flatMap { g in cases.map { (g, $0) } }

    static func configuration(_ generation: String) throws -> CogVLMConfiguration {
        try CogVLMConfiguration(contentsOf: Fixtures.path("cogvlm/\(generation)/config.json"))
    }

    static func file(_ generation: String, _ name: String) throws -> SafeTensorsFile {
        try Fixtures.open("cogvlm/\(generation)/\(name)")
    }

    /// `token_type_ids` and `attention_mask` of a case, as the command line reads them.
    static func routing(_ io: SafeTensorsFile) throws -> ExpertRouting {
        try ExpertRouting(tokenTypeIDs: try io["token_type_ids"],
                          attentionMask: io.entry(named: "attention_mask") == nil ? nil : try io["attention_mask"])
    }

    /// The rows of `x [B, L, D]` at kept positions (all rows without a mask): the contract leaves padded rows unspecified.
    static func keptRows(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let keep = mask?.scalars ?? [Float](repeating: 1, count: b * l)
        let rows = keep.indices.filter { keep[$0] != 0 }
        return try x.reshaped([b * l, d]).indexSelected(axis: 0, indices: rows)
    }

    /// Writes the tensors of `file` with `edit` applied to the name-to-tensor map, and returns the new file.
    static func rewritten(_ file: SafeTensorsFile, in directory: String, _ edit: (inout [String: Tensor]) -> Void) throws -> SafeTensorsFile {
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file[name] }
        edit(&tensors)
        let path = (directory as NSString).appendingPathComponent(UUID().uuidString + ".safetensors")
        try SafeTensorsWriter.write(tensors, to: path)
        return try SafeTensorsFile(path: path)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vlfusion-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

extension Tensor {
    /// `[B, L]` integer values as rows.
    var integerRows: [[Int]] {
        let (b, l) = (shape[0], shape[1])
        let values = scalars
        return (0..<b).map { i in (0..<l).map { Int(values[i * l + $0]) } }
    }
}
