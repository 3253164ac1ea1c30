/// Element types a safetensors file can declare.
public enum DType: String, Sendable, CaseIterable, Codable {
    case bool = "BOOL"
    case uint8 = "U8", int8 = "I8"
    case uint16 = "U16", int16 = "I16"
    case uint32 = "U32", int32 = "I32"
    case uint64 = "U64", int64 = "I64"
    case float8E4M3 = "F8_E4M3", float8E5M2 = "F8_E5M2"
    case float16 = "F16", bfloat16 = "BF16"
    case float32 = "F32", float64 = "F64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E4M3, .float8E5M2: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        }
    }

    /// Whether ``SafeTensorsFile/tensor(named:)`` converts this type to fp32.
    public var convertsToFloat32: Bool {
        switch self {
        case .float8E4M3, .float8E5M2: false
        default: true
        }
    }
}

/// Conversions of stored element types to fp32.
enum DTypeConversion {
    /// Converts `count` elements of `dtype` at `source` (any alignment) to fp32 at `destination`.
    static func convert(_ source: UnsafeRawPointer, dtype: DType, count: Int, to destination: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .float32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .float16:
            for i in 0..<count { destination[i] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bfloat16:
            for i in 0..<count {
                let bits = UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                destination[i] = Float(bitPattern: bits)
            }
        case .float64:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .bool, .uint8:
            for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
        case .int8:
            for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: Int8.self)) }
        case .uint16:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .int16:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case .uint32:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case .int32:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .uint64:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
        case .int64:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .float8E4M3, .float8E5M2:
            preconditionFailure("fp8 conversion is not supported; callers check convertsToFloat32")
        }
    }

    /// IEEE 754 binary16 to binary32, exact for every input (subnormals, infinities, NaN payloads).
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)  // mantissa * 2^-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// binary32 to binary16 with round-to-nearest-even (for writing fp16 fixtures and checkpoints).
    static func floatToHalf(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        var e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - e)
            var half = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = mantissa >> 13
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1) {
            half += 1
            if half == 0x400 { half = 0; e += 1 }
            if e >= 0x1F { return sign | 0x7C00 }
        }
        return sign | UInt16(e << 10) | UInt16(half)
    }
}
