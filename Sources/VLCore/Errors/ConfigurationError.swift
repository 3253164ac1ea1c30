/// A model or connector configuration is invalid: unknown type, out-of-range value, inconsistent sizes.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the bad value sits, e.g. `config.json: projector_type` or `AttentionPooling.numHeads`.
    public var field: String
    /// What is wrong and what would be accepted.
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
