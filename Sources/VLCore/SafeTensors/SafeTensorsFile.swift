/// One tensor as a safetensors header declares it.
public struct SafeTensorsEntry: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Byte range relative to the start of the data buffer (after the header).
    public var dataOffsets: Range<Int>
    public var byteCount: Int { dataOffsets.count }
}

/// A safetensors file, memory-mapped and validated on open.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of JSON (an object of
/// `name -> {dtype, shape, data_offsets}` plus an optional `__metadata__` string map, possibly padded
/// with spaces), then the data buffer. Opening checks everything the format requires: the header fits
/// the file, is a JSON object, every entry is well formed with a known dtype, `product(shape) x size`
/// equals its byte range (overflow-checked), and the ranges tile the buffer exactly (no overlap, no
/// hole, no trailing bytes). Any violation throws ``SafeTensorsError``; nothing traps.
public struct SafeTensorsFile: ParameterSource {
    /// Largest header accepted, as the reference implementation limits it (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// The path (or a label for in-memory bytes), used in error messages.
    public let path: String
    /// `__metadata__`, when present.
    public let metadata: [String: String]
    /// Entries ordered by their data offset.
    public let entries: [SafeTensorsEntry]
    private let entryIndex: [String: Int]
    private let file: MappedFile
    private let dataStart: Int

    /// Maps and validates the file at `path`.
    public init(path: String) throws(SafeTensorsError) {
        try self.init(file: try MappedFile(path: path), label: path)
    }

    /// Validates bytes held in memory; `label` names them in errors.
    public init(bytes: [UInt8], label: String = "<memory>") throws(SafeTensorsError) {
        try self.init(file: MappedFile(bytes: bytes), label: label)
    }

    private init(file: MappedFile, label: String) throws(SafeTensorsError) {
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw .tooSmall(file: label, size: bytes.count) }
        let declared = bytes.loadUnaligned(as: UInt64.self).littleEndian
        let available = bytes.count - 8
        guard declared <= UInt64(Swift.min(available, Self.maximumHeaderLength)) else {
            throw .headerLength(file: label, declared: declared, available: Swift.min(available, Self.maximumHeaderLength))
        }
        let headerLength = Int(declared)
        let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
        guard headerLength > 0, header[0] == UInt8(ascii: "{") else {
            throw .invalidHeader(file: label, reason: "the header must be a JSON object starting with '{'")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(header)
        } catch {
            throw .invalidHeader(file: label, reason: error.description)
        }
        guard case .object(let members) = json else {
            throw .invalidHeader(file: label, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw .invalidHeader(file: label, reason: "__metadata__ must be an object of strings")
                }
                for (key, item) in pairs {
                    guard case .string(let text) = item else {
                        throw .invalidHeader(file: label, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try Self.parseEntry(name: name, value: value, file: label))
        }
        entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        var expectedStart = 0
        for entry in entries {
            guard entry.dataOffsets.lowerBound == expectedStart else {
                let reason = entry.dataOffsets.lowerBound < expectedStart
                    ? "data_offsets [\(entry.dataOffsets.lowerBound), \(entry.dataOffsets.upperBound)) overlap the previous tensor, which ends at \(expectedStart)"
                    : "data_offsets start at \(entry.dataOffsets.lowerBound) but the previous tensor ends at \(expectedStart) (a hole)"
                throw .offsets(file: label, tensor: entry.name, reason: reason)
            }
            expectedStart = entry.dataOffsets.upperBound
        }
        let bufferSize = available - headerLength
        guard expectedStart == bufferSize else {
            throw .bufferSize(file: label, declared: expectedStart, actual: bufferSize)
        }
        self.path = label
        self.metadata = metadata
        self.entries = entries
        self.entryIndex = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
        self.file = file
        self.dataStart = 8 + headerLength
    }

    private static func parseEntry(name: String, value: JSONValue, file: String) throws(SafeTensorsError) -> SafeTensorsEntry {
        guard case .object = value else { throw .invalidEntry(file: file, tensor: name, reason: "entry is not an object") }
        guard case .string(let dtypeName)? = value["dtype"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "missing or non-string 'dtype'")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw .invalidEntry(file: file, tensor: name, reason: "unknown dtype '\(dtypeName)'")
        }
        guard case .array(let dims)? = value["shape"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "missing or non-array 'shape'")
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .integer(let extent) = dim, extent >= 0 else {
                throw .invalidEntry(file: file, tensor: name, reason: "shape entries must be non-negative integers")
            }
            shape.append(extent)
        }
        guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1]
        else {
            throw .invalidEntry(file: file, tensor: name, reason: "'data_offsets' must be two integers [begin, end]")
        }
        guard begin >= 0, end >= begin else {
            throw .invalidEntry(file: file, tensor: name, reason: "data_offsets [\(begin), \(end)] are not an increasing pair")
        }
        guard let elements = Tensor.checkedCount(shape) else {
            throw .byteLength(file: file, tensor: name, expected: "a shape whose element count fits in 64 bits", actual: end - begin)
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw .byteLength(file: file, tensor: name, expected: "\(elements) x \(dtype.byteSize) bytes (overflows)", actual: end - begin)
        }
        guard bytes == end - begin else {
            throw .byteLength(file: file, tensor: name,
                              expected: "\(bytes) (\(shape.shapeDescription) x \(dtype.byteSize) bytes of \(dtype.rawValue))",
                              actual: end - begin)
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    // MARK: ParameterSource

    public var tensorNames: [String] { entries.map(\.name) }

    public func entry(named name: String) -> SafeTensorsEntry? {
        entryIndex[name].map { entries[$0] }
    }

    public func shape(of name: String) -> [Int]? { entry(named: name)?.shape }

    /// Reads `name` converted to fp32.
    public func tensor(named name: String) throws -> Tensor {
        try readTensor(named: name)
    }

    /// Typed-throwing form of ``tensor(named:)``.
    public func readTensor(named name: String) throws(SafeTensorsError) -> Tensor {
        guard let entry = entry(named: name) else { throw .missingTensor(file: path, tensor: name) }
        guard entry.dtype.convertsToFloat32 else {
            throw .unsupportedDType(file: path, tensor: name, dtype: entry.dtype.rawValue)
        }
        let source = file.bytes.baseAddress.map { $0 + dataStart + entry.dataOffsets.lowerBound }
        // Converted in slices of 16 MiB, each slice's mapped pages let go once copied: the fp32 copy is what models
        // keep, so a large tensor never sits in memory twice (peak: the tensor plus one slice).
        let slice = Swift.max(1, (16 << 20) / entry.dtype.byteSize)
        // Large tensors get pages of their own (weights live as long as the model; see StoragePlacement.pages).
        let tensor = Tensor(shape: entry.shape, placement: .pages) { destination in
            guard let source, destination.count > 0 else { return }
            var start = 0
            while start < destination.count {
                let count = Swift.min(slice, destination.count - start)
                let offset = start * entry.dtype.byteSize
                DTypeConversion.convert(source + offset, dtype: entry.dtype, count: count, to: destination.baseAddress! + start)
                let first = dataStart + entry.dataOffsets.lowerBound + offset
                file.releasePages(first..<(first + count * entry.dtype.byteSize))
                start += count
            }
        }
        // Partial pages at the slices' edges are released with the whole range.
        file.releasePages((dataStart + entry.dataOffsets.lowerBound)..<(dataStart + entry.dataOffsets.upperBound))
        return tensor
    }

    /// Calls `body` with the raw bytes of `name` as stored (little-endian, the entry's dtype); nil when the file
    /// has no such tensor. The bytes are valid during the call only.
    public func withUnsafeBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let entry = entry(named: name) else { return nil }
        return try body(UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + entry.dataOffsets.lowerBound)..<(dataStart + entry.dataOffsets.upperBound)]))
    }
}
