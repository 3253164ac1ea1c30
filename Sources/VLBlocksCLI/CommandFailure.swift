/// A data error found by a command itself (a tensor missing from an input file, an input too large):
/// printed as `Error: <message>` with exit status 1, like the library's typed errors. Mistakes in the
/// options themselves are `ValidationError`s, which exit 64 with the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }
}
