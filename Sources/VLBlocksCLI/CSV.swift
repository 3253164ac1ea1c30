/// RFC 4180 fields: what the commands write (`image,label,probability`, the similarity matrix, pair lists) and
/// what `zero-shot --labels` reads, so a label may hold a comma when quoted: `--labels 'cat,"café, naïve"'`.
enum CSV {
    /// `text` as one field: quoted (quotes doubled) when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The fields of one record; `nil` when a quoted field is not closed or text follows a closing quote.
    static func record(_ line: String) -> [String]? {
        var fields: [String] = [], field = "", quoted = false, afterQuote = false
        var characters = Substring(line)
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false; afterQuote = true }
                } else {
                    field.append(c)
                }
            } else if c == "," {
                fields.append(field); field = ""; afterQuote = false
            } else if afterQuote {
                return nil
            } else if c == "\"" && field.allSatisfy(\.isWhitespace) {
                field = ""; quoted = true
            } else {
                field.append(c)
            }
        }
        guard !quoted else { return nil }
        fields.append(field)
        return fields
    }
}
