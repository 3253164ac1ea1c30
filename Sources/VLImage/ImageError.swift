/// An image could not be read. Every case names the file (or `<memory>`).
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// Not a PNG, JPEG, WebP, GIF, BMP or TIFF file (judged by its first bytes).
    case unsupportedFormat(file: String)
    /// Malformed or truncated data; `reason` is the codec's message.
    case corrupt(file: String, reason: String)
    /// `width x height` exceeds the pixel limit (refused before decoding the pixels).
    case tooLarge(file: String, reason: String)
    case empty(file: String)
    /// A valid file of a kind VLBlocks does not decode (e.g. a 32-bit float TIFF).
    case unsupported(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .unsupportedFormat(let file): "\(file): not a PNG, JPEG, WebP, GIF, BMP or TIFF image"
        case .corrupt(let file, let reason): "\(file): corrupt or truncated image: \(reason)"
        case .tooLarge(let file, let reason): "\(file): image too large: \(reason)"
        case .empty(let file): "\(file): image has zero width or height"
        case .unsupported(let file, let reason): "\(file): unsupported image: \(reason)"
        }
    }
}
