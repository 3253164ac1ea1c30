/// Entry points into internal conversions, for VLBlocks' own tests. Not part of the stable API.
public enum SafeTensorsTestAccess {
    public static func halfToFloat(_ bits: UInt16) -> Float { DTypeConversion.halfToFloat(bits) }
    public static func floatToHalf(_ value: Float) -> UInt16 { DTypeConversion.floatToHalf(value) }
}
