/// Entry points into internal conversions, for VLBlocks' own tests. Not part of the stable API.
package enum SafeTensorsTestAccess {
    package static func halfToFloat(_ bits: UInt16) -> Float { DTypeConversion.halfToFloat(bits) }
    package static func floatToHalf(_ value: Float) -> UInt16 { DTypeConversion.floatToHalf(value) }
}
