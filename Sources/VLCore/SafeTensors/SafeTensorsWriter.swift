import Foundation

/// Writes tensors as a safetensors file.
public enum SafeTensorsWriter {
    /// The element type to store fp32 tensors as.
    public enum StorageType: Sendable {
        case float32, float16, bfloat16
        /// Signed 64-bit integers (`I64`, PyTorch's `torch.long`: ids, masks): each value rounded to the nearest
        /// integer (NaN as 0, out-of-range values clamped).
        case int64

        var dtype: (name: String, size: Int) {
            switch self {
            case .float32: ("F32", 4)
            case .float16: ("F16", 2)
            case .bfloat16: ("BF16", 2)
            case .int64: ("I64", 8)
            }
        }
    }

    /// Serialises `tensors` (sorted by name) with optional `metadata`; the header is space-padded to
    /// a multiple of 8 bytes so every tensor's data is 8-byte aligned. Tensors are stored as `storage`, except
    /// those named in `overrides` (e.g. `["position_ids": .int64]`).
    public static func serialize(
        _ tensors: [String: Tensor], metadata: [String: String]? = nil, as storage: StorageType = .float32,
        overrides: [String: StorageType] = [:]
    ) -> [UInt8] {
        let names = tensors.keys.sorted()
        var header = "{"
        var members: [String] = []
        if let metadata, !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let (dtype, size) = (overrides[name] ?? storage).dtype
            let bytes = tensor.count * size
            members.append(
                "\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += members.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var output: [UInt8] = []
        output.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: headerBytes)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { values in
                switch overrides[name] ?? storage {
                case .float32:
                    output.append(contentsOf: UnsafeRawBufferPointer(values))
                case .float16:
                    for v in values { withUnsafeBytes(of: DTypeConversion.floatToHalf(v).littleEndian) { output.append(contentsOf: $0) } }
                case .bfloat16:
                    for v in values {
                        // Round to nearest even on the upper 16 bits.
                        let bits = v.bitPattern
                        let rounded = v.isNaN ? UInt16(bits >> 16) | 0x40 : UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
                        withUnsafeBytes(of: rounded.littleEndian) { output.append(contentsOf: $0) }
                    }
                case .int64:
                    for v in values {
                        let integer: Int64 = v.isNaN ? 0 : v >= 0x1p63 ? .max : v < -0x1p63 ? .min : Int64(v.rounded())
                        withUnsafeBytes(of: integer.littleEndian) { output.append(contentsOf: $0) }
                    }
                }
            }
        }
        return output
    }

    /// Writes `tensors` to `path` (see ``serialize(_:metadata:as:overrides:)``), atomically: the bytes go to a temporary file
    /// beside it, renamed to `path` once complete, so that an interrupted run never leaves a half-written file.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String]? = nil, as storage: StorageType = .float32,
        overrides: [String: StorageType] = [:], to path: String
    ) throws(SafeTensorsError) {
        let bytes = serialize(tensors, metadata: metadata, as: storage, overrides: overrides)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .writeFailed(file: path, reason: "\(error.localizedDescription)")
        }
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
