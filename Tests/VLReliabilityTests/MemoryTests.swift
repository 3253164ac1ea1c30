import Foundation
import Testing
import VLConnectors
import VLCore
import VLTransformer

/// Repeated inference keeps resident memory flat: buffers are per call and freed, nothing accumulates.
@Suite(.serialized) struct MemoryTests {
    /// Resident set size of this process, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (Int(fields.count > 1 ? fields[1] : "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("Resident memory stays flat over repeated encoder and connector calls")
    func flatResidentMemory() throws {
        let config = VisionTransformerConfiguration(family: .dinov2WithRegisters, hiddenSize: 64, intermediateSize: 128, layers: 2,
                                                    heads: 2, imageSize: 112, patchSize: 14, activation: .gelu,
                                                    layerNormEpsilon: 1e-6, registerTokens: 4)
        let tower = try VisionTransformer(ParameterLoader(randomSeed: 1).root, configuration: config)
        let connector = try ConnectorFactory.random(.cAbstractor(encoderWidth: 64, hiddenWidth: 32, outputWidth: 48, depth: 1,
                                                                 mlpDepth: 2, queries: 16, positionEmbedding: true), inputTokens: 64)
        let pixels = Tensor(shape: [2, 3, 112, 112], repeating: 0.25)
        func step() throws {
            let output = try tower.encode(pixels, hiddenStates: true)
            let (batch, n, d) = (output.lastHiddenState.shape[0], output.lastHiddenState.shape[1], output.lastHiddenState.shape[2])
            let patches = Tensor(shape: [batch, 64, d]) { out in
                output.lastHiddenState.withUnsafeBufferPointer { src in
                    for b in 0..<batch { (out.baseAddress! + b * 64 * d).update(from: src.baseAddress! + (b * n + n - 64) * d, count: 64 * d) }
                }
            }
            _ = try connector(patches)
        }
        for _ in 0..<20 { try step() }  // warm up: allocator pools, thread stacks
        let before = Self.residentBytes()
        for _ in 0..<100 { try step() }
        let growth = Self.residentBytes() - before
        #expect(growth < 8 << 20, "resident memory grew by \(growth / 1024) KiB over 100 calls")
    }
}
