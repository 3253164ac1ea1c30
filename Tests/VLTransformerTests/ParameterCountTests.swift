import Foundation
import Testing
import VLCore
import VLTransformer

/// Counting parameters reads the recorded shapes only: on a tower whose linear weights are packed, it allocates
/// and touches no memory. Measured with the calling thread's minor page faults (`getrusage(RUSAGE_THREAD)`):
/// rebuilding the 22M weights of a DINOv2-S tower would touch tens of thousands of fresh pages.
@Suite struct ParameterCountTests {
    static func minorFaults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD: this thread only
        return usage.ru_minflt
    }

    @Test("parameterCount of a packed DINOv2-S tower touches no new memory")
    func countingAllocatesNothing() throws {
        let tower = try VisionTower.random(try VisionPreset.named("dinov2-s14"), packWeights: true)
        _ = tower.parameterCount  // warm up: the first call may fault in code pages
        let before = Self.minorFaults()
        var total = 0
        for _ in 0..<10 { total = tower.parameterCount }
        let faults = Self.minorFaults() - before
        // transformers' Dinov2Model(Dinov2Config(hidden_size=384, num_attention_heads=6)) has 22,056,576 parameters.
        #expect(total == 22_056_576)
        #expect(faults < 32, "parameterCount caused \(faults) minor page faults")
        // The measurement sees fresh memory: touching 16 MiB of new anonymous pages faults thousands of times. (Freed
        // heap pages can be reused without faults, so the check maps its own.)
        let size = 16 << 20
        let pages = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(pages, size) }
        let touchBefore = Self.minorFaults()
        for offset in stride(from: 0, to: size, by: 4096) { pages.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
        #expect(Self.minorFaults() - touchBefore > 1000)
    }
}
