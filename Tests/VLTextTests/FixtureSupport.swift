import Foundation
import Testing

/// Access to the fixtures written by `Tools/make_tokenizer_fixtures.py`.
enum Fixtures {
    static let directory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizers").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// The shared corpus (`corpus.json`).
    static let corpus: [String] = {
        guard let object = json(path("corpus.json")), let texts = object["texts"] as? [String] else { return [] }
        return texts
    }()

    /// An `*-expected.json` file: metadata and the unpadded ids per text.
    struct Expected {
        var maxLength: Int
        var padID: Int
        var ids: [[Int]]
    }

    static func expected(_ file: String) -> Expected? {
        guard let object = json(file), let maxLength = object["max_length"] as? Int,
              let padID = object["pad_id"] as? Int, let rows = object["ids"] as? [[Int]] else { return nil }
        return Expected(maxLength: maxLength, padID: padID, ids: rows)
    }

    static func json(_ file: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A fresh temporary folder holding `files` (name -> contents).
    static func temporaryFolder(_ files: [String: [UInt8]]) throws -> String {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("VLTextTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, contents) in files {
            #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(contents)))
        }
        return folder
    }

    static func remove(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Compares rows with their expected unpadded ids; reports the first few mismatches with their texts.
func expectRows(_ rows: [[Int]], match expected: [[Int]], texts: [String], label: String,
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(rows.count == expected.count, "\(label): row count", sourceLocation: sourceLocation)
    var mismatches = 0
    for (index, (row, want)) in zip(rows, expected).enumerated() where row != want {
        mismatches += 1
        if mismatches <= 5 {
            Issue.record("\(label): text #\(index) \(String(reflecting: texts[index]).prefix(120)): got \(row.prefix(40)), expected \(want.prefix(40))",
                         sourceLocation: sourceLocation)
        }
    }
    #expect(mismatches == 0, "\(label): \(mismatches) of \(expected.count) texts differ", sourceLocation: sourceLocation)
}
