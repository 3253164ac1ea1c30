/// Typed access to the fields of a JSON config, with defaults for absent fields; a field of the wrong
/// type is a ``ConfigurationError`` naming the file and the field.
public struct JSONConfigReader: Sendable {
    public init(json: JSONValue, file: String) {
        self.json = json
        self.file = file
    }

    public let json: JSONValue
    public let file: String

    public func int(_ key: String, _ fallback: Int) throws(ConfigurationError) -> Int {
        switch json[key] {
        case nil, .null?: return fallback
        case .integer(let v)?: return v
        case .number(let v)? where v.rounded() == v && abs(v) < 1e15: return Int(v)
        default: throw ConfigurationError(field: "\(file): \(key)", reason: "expected an integer")
        }
    }

    public func float(_ key: String, _ fallback: Float) throws(ConfigurationError) -> Float {
        switch json[key] {
        case nil, .null?: return fallback
        case .integer(let v)?: return Float(v)
        case .number(let v)?: return Float(v)
        default: throw ConfigurationError(field: "\(file): \(key)", reason: "expected a number")
        }
    }

    public func double(_ key: String, _ fallback: Double) throws(ConfigurationError) -> Double {
        switch json[key] {
        case nil, .null?: return fallback
        case .integer(let v)?: return Double(v)
        case .number(let v)?: return v
        default: throw ConfigurationError(field: "\(file): \(key)", reason: "expected a number")
        }
    }

    public func bool(_ key: String, _ fallback: Bool) throws(ConfigurationError) -> Bool {
        switch json[key] {
        case nil, .null?: return fallback
        case .bool(let v)?: return v
        default: throw ConfigurationError(field: "\(file): \(key)", reason: "expected true or false")
        }
    }

    public func activation(_ fallback: String) throws(ConfigurationError) -> Activation {
        var name = fallback
        if let value = json["hidden_act"] {
            guard case .string(let text) = value else {
                throw ConfigurationError(field: "\(file): hidden_act", reason: "expected a string")
            }
            name = text
        }
        guard let activation = Activation(huggingFaceName: name) else {
            throw ConfigurationError(field: "\(file): hidden_act", reason: "unsupported activation '\(name)'")
        }
        return activation
    }

    /// `image_size` as an integer or a square `[s, s]` pair.
    public func imageSize(_ fallback: Int) throws(ConfigurationError) -> Int {
        if case .array(let pair)? = json["image_size"] {
            guard pair.count == 2, case .integer(let h) = pair[0], case .integer(let w) = pair[1], h == w else {
                throw ConfigurationError(field: "\(file): image_size", reason: "expected an integer or a square [size, size] pair")
            }
            return h
        }
        return try int("image_size", fallback)
    }
}

extension JSONConfigReader {
    /// A required integer field.
    public func requiredInt(_ key: String) throws(ConfigurationError) -> Int {
        guard json[key] != nil else { throw ConfigurationError(field: "\(file): \(key)", reason: "missing (required)") }
        return try int(key, 0)
    }

    /// A nested object field.
    public func object(_ key: String) throws(ConfigurationError) -> JSONValue {
        guard case .object? = json[key] else {
            throw ConfigurationError(field: "\(file): \(key)", reason: "missing or not a JSON object")
        }
        return json[key]!
    }

    /// A string field, when present.
    public func string(_ key: String) throws(ConfigurationError) -> String? {
        switch json[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw ConfigurationError(field: "\(file): \(key)", reason: "expected a string")
        }
    }
}
