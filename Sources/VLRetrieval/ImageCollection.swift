import Foundation
import VLImage

/// The image files of a collection: files given directly, and folders searched recursively for image extensions,
/// in one order every run and every shard agrees on (sorted by path, bytewise).
public struct ImageCollection: Sendable, Equatable {
    /// File name extensions that count as images in folders (compared case-insensitively): those of every format
    /// ``ImageFormat`` reads (`png`, `jpg`, `jpeg`, `webp`, `gif`, `bmp`, `tif`, `tiff`). The files themselves are
    /// decoded by their bytes, not their names.
    public static let imageExtensions = ImageFormat.allCases.flatMap(\.fileExtensions)

    /// The image paths: each PATH as given, joined with the path below it for files found in folders.
    public let paths: [String]

    public init(paths: [String]) { self.paths = paths }

    /// Collects `arguments` (image files or folders).
    /// - Throws: ``CollectionError`` for a path that does not exist, or when nothing is found.
    public init(searching arguments: [String]) throws(CollectionError) {
        var found: [String] = []
        let manager = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: argument, isDirectory: &isDirectory) else { throw .missing(path: argument) }
            if !isDirectory.boolValue {
                found.append(argument)
                continue
            }
            guard let walker = manager.enumerator(atPath: argument) else { throw .unreadable(path: argument) }
            while let relative = walker.nextObject() as? String {
                let ext = (relative as NSString).pathExtension.lowercased()
                guard Self.imageExtensions.contains(ext) else { continue }
                let full = (argument as NSString).appendingPathComponent(relative)
                var directory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &directory), !directory.boolValue { found.append(full) }
            }
        }
        found.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !found.isEmpty else { throw .empty(paths: arguments) }
        paths = found
    }

    /// The `index`-th of `count` contiguous, near-equal slices (`[count · index / n, count · (index + 1) / n)`).
    /// - Throws: ``CollectionError/shard(index:count:)`` when `index` is outside `0 ..< count`.
    public func shard(_ index: Int, of count: Int) throws(CollectionError) -> ImageCollection {
        ImageCollection(paths: Array(paths[try Self.sliceRange(index, of: count, total: paths.count)]))
    }

    /// The `index`-th of `count` contiguous near-equal slices of `0 ..< total`.
    public static func sliceRange(_ index: Int, of count: Int, total: Int) throws(CollectionError) -> Range<Int> {
        guard count > 0, (0..<count).contains(index) else { throw .shard(index: index, count: count) }
        return (total * index / count)..<(total * (index + 1) / count)
    }
}

/// Errors in finding a collection's images.
public enum CollectionError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String)
    case empty(paths: [String])
    case shard(index: Int, count: Int)

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file or folder"
        case .unreadable(let path): "\(path): cannot be listed"
        case .empty(let paths):
            "no image files (\(ImageCollection.imageExtensions.map { "." + $0 }.joined(separator: ", "))) in \(paths.joined(separator: ", "))"
        case .shard(let index, let count): "shard \(index)/\(count) is out of range (0 <= I < N)"
        }
    }
}
