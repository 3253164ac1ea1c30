/// A safetensors file (or sharded checkpoint index) violates the format.
///
/// Every case names the file and, where there is one, the tensor; no malformed input traps.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case unreadable(file: String, reason: String)
    /// Fewer than 8 bytes: no header length.
    case tooSmall(file: String, size: Int)
    /// The header length exceeds the file or the limit.
    case headerLength(file: String, declared: UInt64, available: Int)
    /// The header is not a JSON object (or not UTF-8 JSON at all).
    case invalidHeader(file: String, reason: String)
    /// One entry is malformed (missing field, wrong type, negative dimension, unknown dtype ...).
    case invalidEntry(file: String, tensor: String, reason: String)
    /// `product(shape) * dtype size` overflows or does not equal the byte range's length.
    case byteLength(file: String, tensor: String, expected: String, actual: Int)
    /// A tensor's bytes do not start where the previous one ends (a hole or an overlap).
    case offsets(file: String, tensor: String, reason: String)
    /// The byte buffer is longer or shorter than the tensors the header declares.
    case bufferSize(file: String, declared: Int, actual: Int)
    /// The tensor is not in the file.
    case missingTensor(file: String, tensor: String)
    /// The dtype cannot be converted to fp32.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A sharded checkpoint's index is malformed or points at missing tensors.
    case invalidIndex(file: String, reason: String)
    /// Writing failed.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .tooSmall(let file, let size): "\(file): \(size) bytes is too small for a safetensors file (needs an 8-byte header length)"
        case .headerLength(let file, let declared, let available):
            "\(file): header length \(declared) exceeds the \(available) bytes available"
        case .invalidHeader(let file, let reason): "\(file): invalid header: \(reason)"
        case .invalidEntry(let file, let tensor, let reason): "\(file): tensor '\(tensor)': \(reason)"
        case .byteLength(let file, let tensor, let expected, let actual):
            "\(file): tensor '\(tensor)' spans \(actual) bytes, expected \(expected)"
        case .offsets(let file, let tensor, let reason): "\(file): tensor '\(tensor)': \(reason)"
        case .bufferSize(let file, let declared, let actual):
            "\(file): the header declares \(declared) data bytes but the file holds \(actual)"
        case .missingTensor(let file, let tensor): "\(file): no tensor named '\(tensor)'"
        case .unsupportedDType(let file, let tensor, let dtype): "\(file): tensor '\(tensor)' has dtype \(dtype), which cannot be converted to F32"
        case .invalidIndex(let file, let reason): "\(file): \(reason)"
        case .writeFailed(let file, let reason): "\(file): cannot write: \(reason)"
        }
    }
}
