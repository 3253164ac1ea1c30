/// Upper bounds on sizes read from files, checked before anything is allocated, so that a hostile or
/// corrupt config cannot make VLBlocks allocate terabytes.
///
/// They are far above any real model (the largest ViTs have widths of a few thousand and tens of layers).
public enum SizeLimits {
    /// Largest width, hidden size, intermediate size or token count accepted from a config: 2^20.
    public static let maximumDimension = 1 << 20
    /// Largest layer or block count: 1024.
    public static let maximumDepth = 1024
    /// Largest number of scalars one tensor may hold when built from a config: 2^33 (32 GiB of fp32).
    public static let maximumTensorElements = 1 << 33

    /// Largest scratch buffer one forward pass may need (activations of all tokens, attention scores of all
    /// heads): 2^30 scalars (4 GiB of fp32). Inputs that would need more are refused before allocating.
    public static let maximumActivationElements = 1 << 30

    /// Throws unless `1 <= value <= maximumDimension`.
    public static func checkDimension(_ value: Int, field: String) throws(ConfigurationError) {
        guard value >= 1, value <= maximumDimension else {
            throw ConfigurationError(field: field, reason: "\(value) is outside 1 ... \(maximumDimension)")
        }
    }

    /// Throws unless `0 <= value <= maximumDepth`.
    public static func checkDepth(_ value: Int, field: String) throws(ConfigurationError) {
        guard value >= 0, value <= maximumDepth else {
            throw ConfigurationError(field: field, reason: "\(value) is outside 0 ... \(maximumDepth)")
        }
    }

    /// Throws when the product of `factors` exceeds ``maximumTensorElements`` (or overflows).
    public static func checkElements(_ factors: [Int], field: String) throws(ConfigurationError) {
        guard let count = Tensor.checkedCount(factors), count <= maximumTensorElements else {
            throw ConfigurationError(field: field, reason: "a tensor of \(factors.shapeDescription) is larger than \(maximumTensorElements) elements")
        }
    }
}
