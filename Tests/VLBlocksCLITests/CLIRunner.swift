import Foundation
import VLTestSupport

/// Runs the built `vlblocks` executable (it sits beside the test bundle) and captures its output.
struct CLIRunner {
    struct Result {
        var status: Int32
        var terminatedBySignal: Bool
        var stdout: String
        var stderr: String
    }

    static var executable: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return directory.appendingPathComponent("vlblocks").path
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let (stdout, stderr) = readBoth(out.fileHandleForReading, err.fileHandleForReading)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, terminatedBySignal: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
