/// Pillow's conversions of each mode to RGB: `convert("RGB")` for ``RGBImage/AlphaHandling/drop``, and for
/// ``RGBImage/AlphaHandling/compositeOnWhite`` transformers' `convert_to_rgb` (`convert("RGBA")` whenever the image
/// has an alpha band or a transparency, then `alpha_composite` on white).
extension DecodedPixels {
    func rgbImage(alpha: RGBImage.AlphaHandling, grey16: RGBImage.Grey16Handling) -> RGBImage {
        let count = width * height
        let composite = alpha == .compositeOnWhite
        let transparency = composite ? nil : convertedTransparency
        if layout == .rgb, !composite || key == nil, let owned = ownedSamples {
            return RGBImage(checkedWidth: width, height: height, pixels: owned, transparentColor: transparency)
        }
        let rgb = [UInt8](unsafeUninitializedCapacity: count * 3) { buffer, initialized in
            convert(into: buffer.baseAddress!, count: count, composite: composite, grey16: grey16)
            initialized = count * 3
        }
        return RGBImage(checkedWidth: width, height: height, pixels: rgb, transparentColor: transparency)
    }

    private func convert(into out: UnsafeMutablePointer<UInt8>, count: Int, composite: Bool, grey16: RGBImage.Grey16Handling) {
        guard count > 0, let source = samples.baseAddress else { return }
        switch layout {
        case .grey:
            // Pillow compares the key's low byte with the 8-bit sample (a 2- or 4-bit PNG's key is not scaled).
            var key: Int = -1
            if composite, case .grey(let value)? = self.key { key = Int(value & 0xFF) }
            for i in 0..<count {
                let v = source[i]
                let w = Int(v) == key ? 255 : v
                out[3 * i] = w
                out[3 * i + 1] = w
                out[3 * i + 2] = w
            }
        case .greyAlpha:
            for i in 0..<count {
                let v = composite ? WhiteComposite(alpha: source[2 * i + 1]).apply(source[2 * i]) : source[2 * i]
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
        case .rgb:
            out.update(from: source, count: 3 * count)
            if composite, case .rgb(let r, let g, let b)? = key {
                let (kr, kg, kb) = (UInt8(truncatingIfNeeded: r), UInt8(truncatingIfNeeded: g), UInt8(truncatingIfNeeded: b))
                for i in 0..<count where out[3 * i] == kr && out[3 * i + 1] == kg && out[3 * i + 2] == kb {
                    out[3 * i] = 255
                    out[3 * i + 1] = 255
                    out[3 * i + 2] = 255
                }
            }
        case .rgba where !composite:
            for i in 0..<count {
                out[3 * i] = source[4 * i]
                out[3 * i + 1] = source[4 * i + 1]
                out[3 * i + 2] = source[4 * i + 2]
            }
        case .rgba:
            for i in 0..<count {
                let s = source + 4 * i, d = out + 3 * i
                if s[3] != 255 {
                    let white = WhiteComposite(alpha: s[3])
                    d[0] = white.apply(s[0])
                    d[1] = white.apply(s[1])
                    d[2] = white.apply(s[2])
                } else {
                    d[0] = s[0]
                    d[1] = s[1]
                    d[2] = s[2]
                }
            }
        case .cmyk:
            for i in 0..<count {
                let s = source + 4 * i, d = out + 3 * i
                let nk = 255 - Int(s[3])
                d[0] = Self.cmykToRGB(s[0], nk)
                d[1] = Self.cmykToRGB(s[1], nk)
                d[2] = Self.cmykToRGB(s[2], nk)
            }
        case .grey16:
            var greyKey: Int = -1
            if composite, case .grey(let value)? = key { greyKey = Int(value) }
            let values = UnsafeRawPointer(source)
            for i in 0..<count {
                let native = values.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                var v = Self.eightBits(native, grey16)
                // Clipping: Pillow compares the clipped sample with the key's low byte; scaling compares 16 bits.
                if greyKey >= 0, grey16 == .clip ? Int(v) == greyKey & 0xFF : Int(native) == greyKey { v = 255 }
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
        case .indexed:
            // The palette as RGB, with colours composited on white ahead for the image's 256 possible values.
            var table = [UInt8](repeating: 0, count: 768)
            for e in 0..<256 {
                let a = palette[4 * e + 3]
                let white = WhiteComposite(alpha: composite ? a : 255)
                for c in 0..<3 { table[3 * e + c] = composite && a != 255 ? white.apply(palette[4 * e + c]) : palette[4 * e + c] }
            }
            table.withUnsafeBufferPointer { entries in
                let rgb = entries.baseAddress!
                for i in 0..<count {
                    let e = rgb + 3 * Int(source[i]), d = out + 3 * i
                    d[0] = e[0]
                    d[1] = e[1]
                    d[2] = e[2]
                }
            }
        }
    }

    /// The `info["transparency"]` Pillow leaves on the image after `convert("RGB")`, as the colour it makes
    /// transparent when transformers' `convert_to_rgb` later calls `convert("RGBA")` on it:
    /// - a palette with one fully transparent entry and all others opaque (a GIF's transparent index, a PNG tRNS of
    ///   that form): the entry's colour (a palette with other alphas loses its transparency);
    /// - a grey key `t`: grey `t`; an RGB key: its low bytes;
    /// - a 16-bit grey key: Pillow keeps the integer, which the RGB conversion reads as red `t & 0xFF`, green and blue 0.
    var convertedTransparency: RGBImage.Pixel? {
        switch (layout, key) {
        case (.grey, .grey(let t)?):
            let v = UInt8(clamping: t)
            return RGBImage.Pixel(red: v, green: v, blue: v)
        case (.grey16, .grey(let t)?):
            return RGBImage.Pixel(red: UInt8(truncatingIfNeeded: t), green: 0, blue: 0)
        case (.rgb, .rgb(let r, let g, let b)?):
            return RGBImage.Pixel(red: UInt8(truncatingIfNeeded: r), green: UInt8(truncatingIfNeeded: g), blue: UInt8(truncatingIfNeeded: b))
        case (.indexed, _):
            var transparent: Int?
            for i in 0..<256 {
                switch palette[4 * i + 3] {
                case 255: continue
                case 0 where transparent == nil: transparent = i
                default: return nil
                }
            }
            return transparent.map { RGBImage.Pixel(red: palette[4 * $0], green: palette[4 * $0 + 1], blue: palette[4 * $0 + 2]) }
        default:
            return nil
        }
    }

    /// One channel of Pillow's `cmyk2rgb`: `255 - k - c (255 - k) / 255` with its rounding division (`nk = 255 - k`).
    @inline(__always) static func cmykToRGB(_ ink: UInt8, _ nk: Int) -> UInt8 {
        let t = Int(ink) * nk + 128
        return UInt8(clamping: nk - (((t >> 8) + t) >> 8))
    }

    /// A 16-bit grey sample in 8 bits: Pillow's `I;16` to `RGB` (values above 255 become 255), or its high byte.
    @inline(__always) static func eightBits(_ value: UInt16, _ handling: RGBImage.Grey16Handling) -> UInt8 {
        switch handling {
        case .clip: value > 255 ? 255 : UInt8(value)
        case .scale: UInt8(value >> 8)
        }
    }
}

/// PIL's `alpha_composite` of a pixel over opaque white, for one alpha: 7-bit fixed point, rounding division by 255
/// (its coefficients computed once for the pixel's three channels).
struct WhiteComposite {
    private let coefficient1: UInt32
    private let coefficient2: UInt32
    private let transparent: Bool

    @inline(__always) init(alpha: UInt8) {
        let precision: UInt32 = 7
        let a = UInt32(alpha)
        let outA255 = a * 255 + 255 * (255 - a)
        transparent = alpha == 0
        coefficient1 = a * 255 * 255 * (1 << precision) / outA255
        coefficient2 = 255 * (1 << precision) - coefficient1
    }

    @inline(__always) func apply(_ value: UInt8) -> UInt8 {
        if transparent { return 255 }
        let t = UInt32(value) * coefficient1 + 255 * coefficient2 + (0x80 << 7)
        return UInt8(truncatingIfNeeded: (((t >> 8) + t) >> 8) >> 7)
    }
}
