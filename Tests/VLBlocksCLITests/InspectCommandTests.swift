import Foundation
import Testing
import VLTestSupport

@Suite struct InspectCommandTests {
    @Test func listsTensorsAndMetadata() throws {
        let result = try CLIRunner.run(["inspect", Fixtures.path("safetensors/valid/mixed.safetensors")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("8 tensors"))
        #expect(result.stdout.contains("note: written by safetensors"))
        #expect(result.stdout.contains("bf16"))
        #expect(result.stdout.contains("BF16     [3, 2]               12"))
        #expect(result.stdout.contains("scalar  F32      []                   4"))
        #expect(result.stdout.contains("empty   F32      [0, 4]               0"))
    }

    @Test("Malformed files: a message and exit status 1, never a signal", arguments: [
        "too_small", "header_terabytes", "header_not_json", "overlap", "hole", "shape_overflow", "truncated_data",
    ])
    func rejectsMalformed(name: String) throws {
        let result = try CLIRunner.run(["inspect", Fixtures.path("safetensors/malformed/\(name).safetensors")])
        #expect(!result.terminatedBySignal)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error:"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingFile() throws {
        let result = try CLIRunner.run(["inspect", "/no/such/file.safetensors"])
        #expect(result.status == 1 && !result.terminatedBySignal)
        #expect(result.stderr.contains("No such file"))
    }
}
