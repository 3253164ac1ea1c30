import Foundation

/// Reading files for tokenizer loading, with every failure mapped to a `TokenizerError` naming the file.
enum FileLoading {
    /// Joins a directory and a file name.
    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func exists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The bytes of a file; throws `.missingFile` or `.unreadableFile`.
    static func bytes(at path: String) throws(TokenizerError) -> [UInt8] {
        guard exists(path) else {
            throw .missingFile(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "the file could not be opened")
        }
        return [UInt8](data)
    }

    /// The top-level JSON object of a file.
    static func jsonObject(at path: String) throws(TokenizerError) -> JSONObject {
        let bytes = try bytes(at: path)
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw .malformedJSON(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = value as? [String: Any] else {
            throw .malformedJSON(path: path, reason: "the top level is not a JSON object")
        }
        return JSONObject(dictionary, path: path, context: "")
    }
}

/// A JSON object with typed, error-reporting accessors. Used only while loading.
struct JSONObject {
    let values: [String: Any]
    let path: String
    /// Dotted location of this object inside the file, for messages ("" for the top level).
    let context: String

    init(_ values: [String: Any], path: String, context: String) {
        self.values = values
        self.path = path
        self.context = context
    }

    func location(_ key: String) -> String {
        context.isEmpty ? "\"\(key)\"" : "\"\(context).\(key)\""
    }

    func contains(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !(value is NSNull)
    }

    func object(_ key: String) throws(TokenizerError) -> JSONObject? {
        guard contains(key), let value = values[key] else { return nil }
        guard let dictionary = value as? [String: Any] else {
            throw .malformedJSON(path: path, reason: "\(location(key)) is not an object")
        }
        return JSONObject(dictionary, path: path, context: context.isEmpty ? key : context + "." + key)
    }

    func string(_ key: String) throws(TokenizerError) -> String? {
        guard contains(key), let value = values[key] else { return nil }
        guard let string = value as? String else {
            throw .invalidConfiguration(path: path, reason: "\(location(key)) is not a string")
        }
        return string
    }

    func int(_ key: String) throws(TokenizerError) -> Int? {
        guard contains(key), let value = values[key] else { return nil }
        guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue)
        else {
            throw .invalidConfiguration(path: path, reason: "\(location(key)) is not an integer")
        }
        return int
    }

    func bool(_ key: String) throws(TokenizerError) -> Bool? {
        guard contains(key), let value = values[key] else { return nil }
        guard let bool = value as? Bool else {
            throw .invalidConfiguration(path: path, reason: "\(location(key)) is not a boolean")
        }
        return bool
    }

    func array(_ key: String) throws(TokenizerError) -> [Any]? {
        guard contains(key), let value = values[key] else { return nil }
        guard let array = value as? [Any] else {
            throw .malformedJSON(path: path, reason: "\(location(key)) is not an array")
        }
        return array
    }

    /// A token given either as a string or as an AddedToken object (`{"content": ...}`).
    func token(_ key: String) throws(TokenizerError) -> String? {
        guard contains(key), let value = values[key] else { return nil }
        if let string = value as? String { return string }
        if let dictionary = value as? [String: Any], let content = dictionary["content"] as? String { return content }
        throw .invalidConfiguration(path: path, reason: "\(location(key)) is neither a string nor a token object")
    }
}
