import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VLBlocks
import VLTestSupport

/// `vlblocks embed` and `vlblocks blind-pairs` as a user runs them.
@Suite struct EmbedCommandTests {
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A folder of six fixture images (two in a subfolder; a WebP and a GIF among them) and a truncated PNG.
    static func collection(in folder: String) throws -> String {
        let images = folder + "/images"
        try FileManager.default.createDirectory(atPath: images + "/more", withIntermediateDirectories: true)
        for (source, target) in [("chelsea.png", "a.png"), ("coffee.jpg", "b.JPG"), ("rocket.jpg", "more/c.jpeg"),
                                 ("astronaut_grey.png", "d.png"), ("formats/webp_lossy_alpha.webp", "e.webp"),
                                 ("formats/gif_transparent.gif", "more/f.GIF"), ("bad/truncated.png", "broken.png")] {
            try FileManager.default.copyItem(atPath: Fixtures.path("images/" + source), toPath: images + "/" + target)
        }
        return images
    }

    @Test("embed: sorted paths, metadata, skipped files listed, shards that reassemble bit for bit")
    func embedImages() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let images = try Self.collection(in: folder)
        let checkpoint = Fixtures.path("embeddings/dinov2")
        let result = try CLIRunner.run(["embed", "--checkpoint", checkpoint, "--images", images, "--output", folder + "/all.safetensors",
                                        "--batch", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("skipped \(images)/broken.png"))
        let file = try EmbeddingFile(reading: [folder + "/all.safetensors"])
        #expect(file.items == ["a.png", "b.JPG", "d.png", "e.webp", "more/c.jpeg", "more/f.GIF"].map { images + "/" + $0 })
        #expect(file.embedding == "dinov2.cls" && file.checkpoint == "dinov2" && file.failed.map(\.path) == [images + "/broken.png"])
        #expect(file.embeddings.shape == [6, 32])
        var shards: [String] = []
        for index in 0..<3 {
            let path = folder + "/shard-\(index).safetensors"
            let run = try CLIRunner.run(["embed", "--checkpoint", checkpoint, "--images", images, "--output", path, "--shard", "\(index)/3", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            shards.append(path)
        }
        let joined = try EmbeddingFile(reading: shards)
        #expect(joined.items == file.items && joined.embeddings.scalars == file.embeddings.scalars)
        // int8: the same images, each normalised embedding within the int8 bound of its fp32 one.
        let int8 = try CLIRunner.run(["embed", "--checkpoint", checkpoint, "--images", images, "--output", folder + "/int8.safetensors",
                                      "--precision", "int8", "--quiet"])
        #expect(int8.status == 0, "\(int8.stderr)")
        let quantized = try EmbeddingFile(reading: [folder + "/int8.safetensors"])
        #expect(quantized.items == file.items)
        for row in 0..<6 {
            let cosine = (0..<32).reduce(Float(0)) { $0 + quantized.embeddings[row, $1] * file.embeddings[row, $1] }
            #expect(cosine >= 0.9995 && cosine < 1.00001, "row \(row): cosine \(cosine)")
        }
    }

    @Test("embed: bad inputs exit 1 (data) or 64 (options), and write nothing")
    func embedErrors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("images/bad/truncated.png"), toPath: folder + "/only-bad.png")
        let checkpoint = Fixtures.path("embeddings/siglip")
        let cases: [([String], Int32, String)] = [
            (["--images", folder + "/empty"], 1, "no image files (.png, .jpg, .jpeg, .webp, .gif, .bmp, .tif, .tiff)"),
            (["--images", folder + "/only-bad.png"], 1, "no image could be embedded"),
            (["--images", folder + "/missing"], 1, "no such file or folder"),
            (["--images", folder + "/empty", "--shard", "3/3"], 64, "--shard takes I/N"),
            (["--images", folder + "/empty", "--text", "a cat"], 64, "one kind of input"),
        ]
        for (arguments, status, message) in cases {
            let run = try CLIRunner.run(["embed", "--checkpoint", checkpoint, "--output", folder + "/out.safetensors"] + arguments)
            #expect(run.status == status && !run.terminatedBySignal, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/out.safetensors"))
        }
    }

    @Test("blind-pairs: the reference's pairs, blocks that reassemble, a report that parses and holds its parts")
    func blindPairs() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pairs = Fixtures.path("pairs")
        let common = ["blind-pairs", "--clip", pairs + "/clip-0.safetensors", "--clip", pairs + "/clip-1.safetensors",
                      "--dino", pairs + "/dino.safetensors"]
        let run = try CLIRunner.run(common + ["--csv", folder + "/pairs.csv", "--report", folder + "/report.html"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: folder + "/pairs.csv", encoding: .utf8).split(separator: "\n")
        let expected = try String(contentsOfFile: pairs + "/expected.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "image_a,image_b,clip_cosine,dino_cosine" && lines.count == expected.count)
        for (line, reference) in zip(lines.dropFirst(), expected.dropFirst()) {
            let a = line.split(separator: ","), b = reference.split(separator: ",")
            #expect(a[0] == b[0] && a[1] == b[1])
            #expect(abs(Double(a[2])! - Double(b[2])!) <= 1e-6 && abs(Double(a[3])! - Double(b[3])!) <= 1e-6)
            #expect(a[2].split(separator: ".").last!.count >= 6)
        }
        var blocks: [Substring] = []
        for index in 0..<3 {
            let block = try CLIRunner.run(common + ["--csv", folder + "/block-\(index).csv", "--block", "\(index)/3"])
            #expect(block.status == 0, "\(block.stderr)")
            blocks += try String(contentsOfFile: folder + "/block-\(index).csv", encoding: .utf8).split(separator: "\n").dropFirst()
        }
        #expect(Set(blocks) == Set(lines.dropFirst()) && blocks.count == lines.count - 1)
        // The report: well-formed, with a thumbnail or placeholder per shown image, the histogram and both maps.
        let report = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.html"))
        let parsed = ReportElements(report)
        #expect(parsed.wellFormed)
        #expect(parsed.ids.isSuperset(of: ["pairs", "histogram", "blind-region", "pca-clip", "pca-dino"]))
        #expect(parsed.placeholders + parsed.images == 2 * (lines.count - 1))  // the fixture's paths do not exist
    }

    @Test("blind-pairs: mismatched image lists and bad files are named, exit 1")
    func blindPairsErrors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pairs = Fixtures.path("pairs")
        var run = try CLIRunner.run(["blind-pairs", "--clip", pairs + "/clip-1.safetensors", "--clip", pairs + "/clip-0.safetensors",
                                     "--dino", pairs + "/dino.safetensors", "--csv", folder + "/p.csv"])
        #expect(run.status == 1 && run.stderr.contains("at row 0, 'collection/1/img_0120.png' vs 'collection/0/img_0000.png'"), "\(run.stderr)")
        run = try CLIRunner.run(["blind-pairs", "--clip", Fixtures.path("core/linear.safetensors"), "--dino", pairs + "/dino.safetensors",
                                 "--csv", folder + "/p.csv"])
        #expect(run.status == 1 && run.stderr.contains("no tensor named 'embeddings'"), "\(run.stderr)")
        run = try CLIRunner.run(["blind-pairs", "--clip", pairs + "/clip-0.safetensors", "--dino", pairs + "/dino.safetensors",
                                 "--csv", folder + "/p.csv", "--block", "1/1"])
        #expect(run.status == 64, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/p.csv"))
    }
}

/// The elements of an XHTML page, read with Foundation's XML parser.
final class ReportElements: NSObject, XMLParserDelegate {
    var ids: Set<String> = []
    var images = 0
    var placeholders = 0
    var wellFormed = false

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        wellFormed = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if let id = attributes["id"] { ids.insert(id) }
        if name == "img", attributes["src"]?.hasPrefix("data:image/png;base64,") == true { images += 1 }
        if name == "span", attributes["class"] == "missing" { placeholders += 1 }
    }
}
