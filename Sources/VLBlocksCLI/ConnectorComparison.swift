import Foundation
import VLBlocks

/// The connector study's rows as `vlblocks compare` prints them: an aligned table and CSV.
enum ConnectorComparison {
    static let columns = ["connector", "tokens", "resolution", "params", "gflops", "ms", "encoder_ms", "total_ms", "precision"]

    static func fields(_ row: ConnectorSweep.Row) -> [String] {
        [row.connector, String(row.tokens), String(row.resolution), String(row.parameters), Format.fixed(row.gflops, 3),
         Format.fixed(row.milliseconds), Format.fixed(row.encoderMilliseconds), Format.fixed(row.totalMilliseconds),
         row.precision.rawValue]
    }

    /// An aligned text table (numbers right-aligned).
    static func table(_ rows: [ConnectorSweep.Row]) -> String {
        let cells = [columns] + rows.map(fields)
        let widths = columns.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
        return cells.map { line in
            line.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return c == 0 ? text + pad : pad + text
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func csv(_ rows: [ConnectorSweep.Row]) -> String {
        ([columns.joined(separator: ",")] + rows.map { fields($0).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }
}
