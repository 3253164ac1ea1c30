import Foundation
import Testing
import VLCore
import VLTestSupport
import VLTesting

@Suite struct CompareCommandTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)-\(name)").path
    }

    @Test("compare prints the table and writes CSV and SVG with the documented columns")
    func compare() throws {
        let csv = Self.temporary("rows.csv"), svg = Self.temporary("chart.svg")
        defer { try? FileManager.default.removeItem(atPath: csv); try? FileManager.default.removeItem(atPath: svg) }
        let result = try CLIRunner.run(["compare", "--encoder", "dinov2-s14", "--resolutions", "56,84", "--tokens", "1,4",
                                        "--connectors", "avg-pool,attn-pool,c-abs,mlp2x_gelu",
                                        "--dl", "64", "--runs", "1", "--threads", "1", "--csv", csv, "--svg", svg])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "connector,tokens,resolution,params,gflops,ms,encoder_ms,total_ms,precision")
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",fp32") })
        #expect(lines.count == 1 + 2 * 7)  // 2 resolutions x (3 connectors x 2 token counts + mlp2x_gelu)
        #expect(lines.contains { $0.hasPrefix("mlp2x_gelu,36,84,") })  // 84 / 14 = 6 -> 36 tokens
        #expect(result.stdout.contains("connector") && result.stdout.contains("total_ms"))
        #expect(result.stderr.contains("[14/16] "))  // progress line: which case, how many in all
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(chart.hasPrefix("<svg") && chart.contains("output tokens T") && chart.contains("c-abs") && chart.contains("84 px"))
    }

    @Test("compare's default connectors include the Q-Former and the IDEFICS2 perceiver at their fixed token counts")
    func learnedQueryRows() throws {
        let csv = Self.temporary("learned.csv")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let result = try CLIRunner.run(["compare", "--encoder", "dinov2-s14", "--resolutions", "56", "--tokens", "4",
                                        "--dl", "64", "--runs", "1", "--threads", "2", "--csv", csv])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.map { String($0[0]) } == ["avg-pool", "attn-pool", "c-abs", "mlp2x_gelu", "qformer", "perceiver-idefics2"])
        #expect(rows.first { $0[0] == "qformer" }?[1] == "32" && rows.first { $0[0] == "perceiver-idefics2" }?[1] == "64")
    }

    @Test("compare --precision fp32,int8 sweeps both: the same cases twice, the precision column telling them apart")
    func precisionSweep() throws {
        let csv = Self.temporary("precision.csv"), svg = Self.temporary("precision.svg")
        defer { try? FileManager.default.removeItem(atPath: csv); try? FileManager.default.removeItem(atPath: svg) }
        let result = try CLIRunner.run(["compare", "--encoder", "dinov2-s14", "--resolutions", "56", "--tokens", "4",
                                        "--connectors", "avg-pool,c-abs", "--dl", "64", "--runs", "1", "--threads", "1",
                                        "--precision", "fp32,int8", "--csv", csv, "--svg", svg])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.map { "\($0[0]) \($0[8])" } == ["avg-pool fp32", "c-abs fp32", "avg-pool int8", "c-abs int8"])
        #expect(rows[0][3] == rows[2][3])  // the same parameters
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("c-abs (int8)"))
        let bad = try CLIRunner.run(["compare", "--encoder", "dinov2-s14", "--precision", "fp16"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown precision 'fp16'"))
    }

    @Test("compare rejects resolutions that are not multiples of the patch and unknown connectors")
    func badOptions() throws {
        let result = try CLIRunner.run(["compare", "--encoder", "dinov2-s14", "--resolutions", "50"])
        #expect(result.status != 0 && result.stderr.contains("multiple of the patch size 14"))
        let unknown = try CLIRunner.run(["compare", "--connectors", "q-former"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown connector 'q-former'"))
    }

    @Test("preprocess writes pixel_values as CLIPImageProcessorPil does")
    func preprocess() throws {
        let output = Self.temporary("pixels.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run(["preprocess", "--image", Fixtures.path("images/chelsea.png"), "--processor", "clip",
                                        "--size", "224", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let values = try SafeTensorsFile(path: output)["pixel_values"]
        expectClose(values, try Fixtures.open("images/expected")["chelsea.clip224.pixel_values"], rtol: 1e-3, atol: 1e-3)
        let bad = try CLIRunner.run(["preprocess", "--image", Fixtures.path("images/bad/truncated.jpg"), "--processor", "clip",
                                     "--size", "224", "--output", output])
        #expect(bad.status == 1 && !bad.terminatedBySignal && bad.stderr.contains("truncated"))
    }

    @Test("encode --image preprocesses with the family default and encodes")
    func encodeImage() throws {
        let output = Self.temporary("out.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--image",
                                        Fixtures.path("images/coffee.jpg"), "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try SafeTensorsFile(path: output)
        #expect(file.shape(of: "pixel_values") == [1, 3, 48, 48])
        #expect(file.shape(of: "last_hidden_state") == [1, 37, 32])
        let both = try CLIRunner.run(["encode", "--checkpoint", Fixtures.path("encoders/clip_vision"), "--output", output])
        #expect(both.status != 0 && both.stderr.contains("exactly one of --pixels and --image"))
    }
}
