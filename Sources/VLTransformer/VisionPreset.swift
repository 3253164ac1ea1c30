public import VLCore

/// Named towers of the real sizes, built with random weights when no checkpoint is given.
public struct VisionPreset: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let configuration: VisionTransformerConfiguration

    public var description: String { name }

    /// Every preset: `clip-vit-b16`, `clip-vit-b32`, `clip-vit-l14`, `clip-vit-l14-336`, `siglip-b16-224`,
    /// `siglip-so400m-14-384`, `dinov2-{s,b,l,g}14` and each DINOv2 also with `-reg` (4 registers).
    public static let all: [VisionPreset] = {
        func clip(_ name: String, _ d: Int, _ layers: Int, _ heads: Int, _ patch: Int, _ image: Int) -> VisionPreset {
            VisionPreset(name: name, configuration: .init(
                family: .clip, hiddenSize: d, intermediateSize: 4 * d, layers: layers, heads: heads, imageSize: image,
                patchSize: patch, activation: .quickGELU, layerNormEpsilon: 1e-5))
        }
        func siglip(_ name: String, _ d: Int, _ inner: Int, _ layers: Int, _ heads: Int, _ patch: Int, _ image: Int) -> VisionPreset {
            VisionPreset(name: name, configuration: .init(
                family: .siglip, hiddenSize: d, intermediateSize: inner, layers: layers, heads: heads, imageSize: image,
                patchSize: patch, activation: .geluTanh, layerNormEpsilon: 1e-6))
        }
        func dinov2(_ name: String, _ d: Int, _ layers: Int, _ heads: Int, swiGLU: Bool, registers: Bool) -> VisionPreset {
            let hidden = swiGLU ? (Int(Double(4 * d) * 2 / 3) + 7) / 8 * 8 : 4 * d
            return VisionPreset(name: name + (registers ? "-reg" : ""), configuration: .init(
                family: registers ? .dinov2WithRegisters : .dinov2, hiddenSize: d, intermediateSize: hidden, layers: layers,
                heads: heads, imageSize: 518, patchSize: 14, activation: .gelu, layerNormEpsilon: 1e-6,
                registerTokens: registers ? 4 : 0, useSwiGLU: swiGLU))
        }
        var presets = [
            clip("clip-vit-b16", 768, 12, 12, 16, 224),
            clip("clip-vit-b32", 768, 12, 12, 32, 224),
            clip("clip-vit-l14", 1024, 24, 16, 14, 224),
            clip("clip-vit-l14-336", 1024, 24, 16, 14, 336),
            siglip("siglip-b16-224", 768, 3072, 12, 12, 16, 224),
            siglip("siglip-so400m-14-384", 1152, 4304, 27, 16, 14, 384),
        ]
        for registers in [false, true] {
            presets += [
                dinov2("dinov2-s14", 384, 12, 6, swiGLU: false, registers: registers),
                dinov2("dinov2-b14", 768, 12, 12, swiGLU: false, registers: registers),
                dinov2("dinov2-l14", 1024, 24, 16, swiGLU: false, registers: registers),
                dinov2("dinov2-g14", 1536, 40, 24, swiGLU: true, registers: registers),
            ]
        }
        return presets
    }()

    /// Looks up a preset by name.
    /// - Throws: ``ConfigurationError`` listing the known names.
    public static func named(_ name: String) throws(ConfigurationError) -> VisionPreset {
        guard let preset = all.first(where: { $0.name == name }) else {
            throw ConfigurationError(field: "preset", reason: "unknown preset '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
        }
        return preset
    }

    public static func == (l: Self, r: Self) -> Bool { l.name == r.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
