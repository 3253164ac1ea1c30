public import VLCore

/// Named text-tower shapes of public checkpoints, for benchmarks and random-weight towers of the real size.
public struct TextPreset: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let configuration: TextTransformerConfiguration

    public var description: String { name }

    /// Every preset: `clip-b-text` (the text tower of CLIP ViT-B/16 and B/32: width 512, 8 heads),
    /// `clip-l-text` (ViT-L/14: width 768, 12 heads), `siglip-b-text` (SigLIP B/16: width 768, 64 positions) and
    /// `siglip-so400m-text` (width 1152, 27 layers).
    public static let all: [TextPreset] = {
        func clip(_ name: String, _ d: Int, _ heads: Int) -> TextPreset {
            TextPreset(name: name, configuration: .init(
                family: .clip, vocabularySize: 49408, hiddenSize: d, intermediateSize: 4 * d, layers: 12, heads: heads,
                maxPositions: 77, activation: .quickGELU, layerNormEpsilon: 1e-5, eosTokenID: 49407))
        }
        func siglip(_ name: String, _ d: Int, _ inner: Int, _ layers: Int, _ heads: Int) -> TextPreset {
            TextPreset(name: name, configuration: .init(
                family: .siglip, vocabularySize: 32000, hiddenSize: d, intermediateSize: inner, layers: layers, heads: heads,
                maxPositions: 64, activation: .geluTanh, layerNormEpsilon: 1e-6, eosTokenID: 1))
        }
        return [clip("clip-b-text", 512, 8), clip("clip-l-text", 768, 12),
                siglip("siglip-b-text", 768, 3072, 12, 12), siglip("siglip-so400m-text", 1152, 4304, 27, 16)]
    }()

    /// Looks up a preset by name.
    /// - Throws: ``ConfigurationError`` listing the known names.
    public static func named(_ name: String) throws(ConfigurationError) -> TextPreset {
        guard let preset = all.first(where: { $0.name == name }) else {
            throw ConfigurationError(field: "preset", reason: "unknown preset '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
        }
        return preset
    }

    public static func == (l: Self, r: Self) -> Bool { l.name == r.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
