import Foundation
import Testing
import VLCore
import VLRetrieval
import VLTestSupport

/// CLIP-blind pair mining against a straightforward reference (`Tools/reference/make_pairs_fixtures.py`: every pair,
/// fp32 dot products, the two thresholds): the same pairs in the same order, cosines within 1e-6.
@Suite struct BlindPairTests {
    static let folder = Fixtures.path("pairs")

    static func load() throws -> (EmbeddingFile, EmbeddingFile) {
        (try EmbeddingFile(reading: [folder + "/clip-0.safetensors", folder + "/clip-1.safetensors"]),
         try EmbeddingFile(reading: [folder + "/dino.safetensors"]))
    }

    static func expected() throws -> [(String, String, Float, Float)] {
        try String(contentsOfFile: folder + "/expected.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (String(f[0]), String(f[1]), Float(f[2])!, Float(f[3])!)
        }
    }

    @Test("The pairs equal the reference's, in order, for several tile sizes (tiles smaller and larger than N)",
          arguments: [16, 64, 100, 1024])
    func matchesReference(tile: Int) throws {
        let (clip, dino) = try Self.load()
        #expect(clip.items == dino.items && clip.items.count == 300)
        let result = try BlindPairMiner(tile: tile).mine(clip: clip.embeddings, dino: dino.embeddings)
        let expected = try Self.expected()
        #expect(result.pairs.count == expected.count && !expected.isEmpty)
        for (pair, reference) in zip(result.pairs, expected) {
            #expect(clip.items[pair.first] == reference.0 && clip.items[pair.second] == reference.1)
            #expect(abs(pair.clipCosine - reference.2) <= 1e-6 && abs(pair.dinoCosine - reference.3) <= 1e-6)
        }
    }

    @Test("Blocks of rows reassemble exactly into the full result", arguments: [2, 3, 7])
    func blocks(count: Int) throws {
        let (clip, dino) = try Self.load()
        let miner = BlindPairMiner(tile: 64)
        let full = try miner.mine(clip: clip.embeddings, dino: dino.embeddings).pairs
        var parts: [BlindPair] = []
        for index in 0..<count {
            let rows = try ImageCollection.sliceRange(index, of: count, total: 300)
            let block = try miner.mine(clip: clip.embeddings, dino: dino.embeddings, rows: rows).pairs
            #expect(block.allSatisfy { rows.contains($0.first) })
            parts += block
        }
        #expect(parts.sorted(by: BlindPair.reportOrder) == full)
    }

    @Test("PCA finds the directions of largest variance")
    func pca() throws {
        // Points along (3, 4)/5 with small noise across it: the first component is ±(0.6, 0.8).
        var rng = TestRandom(seed: 3)
        let scalars = (0..<200).flatMap { _ -> [Float] in
            let t = rng.next() * 10, s = rng.next() * 0.1
            return [0.6 * t - 0.8 * s + 1, 0.8 * t + 0.6 * s - 2]
        }
        let pca = try PrincipalComponents(fitting: try Tensor(shape: [200, 2], scalars: scalars))
        let first = pca.components.scalars
        #expect(abs(abs(first[0]) - 0.6) < 1e-3 && abs(abs(first[1]) - 0.8) < 1e-3)
        #expect(pca.variances.scalars[0] > 100 * pca.variances.scalars[1])
        #expect(abs(pca.mean.scalars[0] - 1) < 0.5 && abs(pca.mean.scalars[1] + 2) < 0.5)
    }
}
