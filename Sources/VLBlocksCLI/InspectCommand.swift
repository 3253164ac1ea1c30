import ArgumentParser
import VLBlocks

/// `vlblocks inspect FILE.safetensors`: lists tensors and metadata, or says what is wrong with the file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors (name, dtype, shape, bytes) and metadata of a safetensors file."
    )

    @Argument(help: "A .safetensors file, or a checkpoint folder with model.safetensors[.index.json].")
    var file: String

    func run() throws {
        let report = try InspectReport(path: file)
        print(report.text, terminator: "")
    }
}

/// The text `inspect` prints.
struct InspectReport {
    let text: String

    init(path: String) throws {
        var lines: [String] = []
        let files: [(String, SafeTensorsFile)]
        if path.hasSuffix(".json") {
            let checkpoint = try ShardedCheckpoint(indexPath: path)
            files = checkpoint.shardFiles.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        } else {
            files = [(path, try SafeTensorsFile(path: path))]
        }
        for (name, file) in files {
            lines.append("\(name): \(file.entries.count) tensors")
            if !file.metadata.isEmpty {
                lines.append("metadata:")
                for key in file.metadata.keys.sorted() { lines.append("  \(key): \(file.metadata[key]!)") }
            }
            let nameWidth = max(4, file.entries.map(\.name.count).max() ?? 0)
            lines.append("name".padding(nameWidth) + "  dtype    shape                bytes")
            var total = 0
            for entry in file.entries.sorted(by: { $0.name < $1.name }) {
                lines.append(entry.name.padding(nameWidth) + "  " + entry.dtype.rawValue.padding(7) + "  "
                             + entry.shape.shapeDescription.padding(19) + "  " + String(entry.byteCount))
                total += entry.byteCount
            }
            lines.append("total: \(total) bytes")
        }
        text = lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Left-aligned in a column of `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
