/// The image file formats VLBlocks decodes, recognised from a file's first bytes (never from its name).
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg, webp, gif, bmp, tiff

    /// The format whose signature `bytes` starts with, with Pillow's signatures: PNG's 8-byte signature, JPEG's
    /// start-of-image marker followed by another marker, `RIFF....WEBP`, `GIF87a` / `GIF89a`, `BM`, and TIFF's
    /// `II*\0` / `MM\0*` (also the swapped forms Pillow tolerates, and BigTIFF's).
    public init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(16))
        func starts(_ prefix: [UInt8]) -> Bool { head.count >= prefix.count && head[0..<prefix.count].elementsEqual(prefix) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.count >= 12, starts(Array("RIFF".utf8)), head[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) {
            self = .gif
        } else if starts(Array("BM".utf8)) {
            self = .bmp
        } else if Self.tiffSignatures.contains(where: starts) {
            self = .tiff
        } else {
            return nil
        }
    }

    static let tiffSignatures: [[UInt8]] = [
        [0x4D, 0x4D, 0x00, 0x2A], [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x2A, 0x00], [0x49, 0x49, 0x00, 0x2A],
        [0x4D, 0x4D, 0x00, 0x2B], [0x49, 0x49, 0x2B, 0x00],
    ]

    /// The file name extensions a folder search takes for this format (lower case).
    public var fileExtensions: [String] {
        switch self {
        case .png: ["png"]
        case .jpeg: ["jpg", "jpeg"]
        case .webp: ["webp"]
        case .gif: ["gif"]
        case .bmp: ["bmp"]
        case .tiff: ["tif", "tiff"]
        }
    }

    /// The format's usual name ("PNG", "JPEG", "WebP", "GIF", "BMP", "TIFF").
    public var name: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .webp: "WebP"
        case .gif: "GIF"
        case .bmp: "BMP"
        case .tiff: "TIFF"
        }
    }
}
