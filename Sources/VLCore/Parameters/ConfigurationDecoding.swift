public import Foundation

/// Reads JSON config files (`config.json`, `preprocessor_config.json`, connector configs) into `Decodable`
/// types, turning every decoding failure into a ``ConfigurationError`` that names the file and the field.
public enum ConfigurationDecoding {
    /// Decodes `type` from the JSON file at `path`.
    /// - Throws: ``ConfigurationError``: the file is missing, is not JSON, or a field is missing or mistyped.
    public static func decode<T: Decodable>(_ type: T.Type, contentsOf path: String, userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws(ConfigurationError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(field: path, reason: "missing or unreadable")
        }
        return try decode(type, from: data, file: path, userInfo: userInfo)
    }

    /// Decodes `type` from JSON `data`; `file` names the source in errors.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String = "config", userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws(ConfigurationError) -> T {
        let decoder = JSONDecoder()
        decoder.userInfo = userInfo.merging([.configurationFile: file]) { own, _ in own }
        do {
            return try decoder.decode(type, from: data)
        } catch let error as ConfigurationError {
            throw error
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error, file: file)
        } catch {
            throw ConfigurationError(field: file, reason: "\(error)")
        }
    }
}

extension CodingUserInfoKey {
    /// The file a config is being read from (a `String`), for error messages thrown by `init(from:)`.
    public static let configurationFile = CodingUserInfoKey(rawValue: "vlblocks.configurationFile")!
}

extension Decoder {
    /// The file being decoded, as ``ConfigurationDecoding`` names it (`config` otherwise).
    public var configurationFile: String { userInfo[.configurationFile] as? String ?? "config" }

    /// `file: key.path` for a field of the current container, as errors name it.
    public func fieldName(_ key: String) -> String {
        let path = (codingPath.map(\.stringValue) + [key]).joined(separator: ".")
        return "\(configurationFile): \(path)"
    }
}

extension ConfigurationError {
    /// The error for a failed decode, naming the file and the dotted key path.
    init(decoding error: DecodingError, file: String) {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (path + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? file : "\(file): " + keys.joined(separator: ".")
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is any BinaryInteger.Type: "an integer"
            case is any BinaryFloatingPoint.Type: "a number"
            case is String.Type: "a string"
            case is Bool.Type: "true or false"
            case is [Any].Type: "an array"
            default: "a JSON object"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: field(context.codingPath, key), reason: "missing (required)")
        case .typeMismatch(let type, let context):
            self.init(field: field(context.codingPath), reason: "expected \(kind(type))")
        case .valueNotFound(let type, let context):
            self.init(field: field(context.codingPath), reason: "expected \(kind(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError.map { "\($0)" }) ?? context.debugDescription
                self.init(field: file, reason: "not valid JSON: \(detail)")
            } else if context.debugDescription.contains("does not fit") {
                self.init(field: field(context.codingPath), reason: "expected an integer: \(context.debugDescription)")
            } else {
                self.init(field: field(context.codingPath), reason: context.debugDescription)
            }
        @unknown default:
            self.init(field: file, reason: "\(error)")
        }
    }
}
