#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let owned: [UInt8]?

    /// Maps `path`; throws ``SafeTensorsError/unreadable(file:reason:)`` when it cannot.
    init(path: String) throws(SafeTensorsError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(file: path, reason: "not a regular file") }
        let size = Int(status.st_size)
        owned = nil
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Wraps bytes already in memory (for tests and fuzzing).
    init(bytes data: [UInt8]) {
        owned = data
        mapping = nil
        bytes = owned!.withUnsafeBytes { UnsafeRawBufferPointer(start: $0.baseAddress, count: $0.count) }
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
