import Foundation
import Testing
import VLTestSupport

/// Repeated inference keeps resident memory flat: `vlblocks bench encoder` reports resident memory after a
/// warm-up call and after the timed runs, in its own process (so other tests do not disturb the reading).
@Suite struct MemoryTests {
    @Test("Resident memory stays flat over 150 encoder calls")
    func flatResidentMemory() throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vlblocks")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["bench", "encoder", "--preset", "dinov2-s14-reg", "--resolution", "70", "--batch", "2", "--runs", "150",
                             "--threads", "2", "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = readAll(pipe.fileHandleForReading)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let before = json["rss_after_warmup_kb"] as! Int, after = json["rss_after_runs_kb"] as! Int
        #expect(before > 0)
        #expect(after - before < 8 * 1024, "resident memory grew from \(before) kB to \(after) kB over 150 calls")
    }
}
