/// Pillow's conversions of each mode to RGB: `convert("RGB")` for ``RGBImage/AlphaHandling/drop``, and for
/// ``RGBImage/AlphaHandling/compositeOnWhite`` transformers' `convert_to_rgb` (`convert("RGBA")` whenever the image
/// has an alpha band or a transparency, then `alpha_composite` on white).
extension DecodedPixels {
    func rgbImage(alpha: RGBImage.AlphaHandling, grey16: RGBImage.Grey16Handling) -> RGBImage {
        let count = width * height
        let composite = alpha == .compositeOnWhite
        var rgb = [UInt8](repeating: 0, count: count * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            let source = samples
            @inline(__always) func put(_ i: Int, _ r: UInt8, _ g: UInt8, _ b: UInt8) {
                out[3 * i] = r
                out[3 * i + 1] = g
                out[3 * i + 2] = b
            }
            @inline(__always) func put(_ i: Int, _ r: UInt8, _ g: UInt8, _ b: UInt8, alpha a: UInt8) {
                if a == 255 {
                    put(i, r, g, b)
                } else {
                    put(i, RGBImage.compositeOnWhite(r, alpha: a), RGBImage.compositeOnWhite(g, alpha: a),
                        RGBImage.compositeOnWhite(b, alpha: a))
                }
            }
            switch layout {
            case .grey:
                // Pillow compares the key's low byte with the 8-bit sample (a 2- or 4-bit PNG's key is not scaled).
                let key: UInt8? = if composite, case .grey(let value)? = key { UInt8(truncatingIfNeeded: value) } else { nil }
                for i in 0..<count {
                    let v = source[i]
                    if v == key { put(i, 255, 255, 255) } else { put(i, v, v, v) }
                }
            case .greyAlpha:
                for i in 0..<count {
                    let v = source[2 * i]
                    if composite { put(i, v, v, v, alpha: source[2 * i + 1]) } else { put(i, v, v, v) }
                }
            case .rgb:
                var rgbKey: (UInt8, UInt8, UInt8)?
                if composite, case .rgb(let r, let g, let b)? = key {
                    rgbKey = (UInt8(truncatingIfNeeded: r), UInt8(truncatingIfNeeded: g), UInt8(truncatingIfNeeded: b))
                }
                for i in 0..<count {
                    let (r, g, b) = (source[3 * i], source[3 * i + 1], source[3 * i + 2])
                    if let k = rgbKey, k.0 == r, k.1 == g, k.2 == b { put(i, 255, 255, 255) } else { put(i, r, g, b) }
                }
            case .rgba:
                for i in 0..<count {
                    let (r, g, b) = (source[4 * i], source[4 * i + 1], source[4 * i + 2])
                    if composite { put(i, r, g, b, alpha: source[4 * i + 3]) } else { put(i, r, g, b) }
                }
            case .cmyk:
                for i in 0..<count {
                    let k = source[4 * i + 3]
                    put(i, Self.cmykToRGB(source[4 * i], k), Self.cmykToRGB(source[4 * i + 1], k), Self.cmykToRGB(source[4 * i + 2], k))
                }
            case .grey16:
                var greyKey: UInt32?
                if composite, case .grey(let value)? = key { greyKey = value }
                for i in 0..<count {
                    let value = UInt16(source[2 * i]) | UInt16(source[2 * i + 1]) << 8
                    let native = UInt16(littleEndian: value)
                    let v = Self.eightBits(native, grey16)
                    // Clipping: Pillow compares the clipped sample with the key's low byte; scaling compares 16 bits.
                    let transparent = greyKey.map { grey16 == .clip ? UInt32(v) == $0 & 0xFF : UInt32(native) == $0 } ?? false
                    if transparent { put(i, 255, 255, 255) } else { put(i, v, v, v) }
                }
            case .indexed:
                palette.withUnsafeBufferPointer { entries in
                    for i in 0..<count {
                        let e = 4 * Int(source[i])
                        if composite {
                            put(i, entries[e], entries[e + 1], entries[e + 2], alpha: entries[e + 3])
                        } else {
                            put(i, entries[e], entries[e + 1], entries[e + 2])
                        }
                    }
                }
            }
        }
        return RGBImage(checkedWidth: width, height: height, pixels: rgb, transparentColor: composite ? nil : convertedTransparency)
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

    /// One channel of Pillow's `cmyk2rgb`: `255 - k - c (255 - k) / 255` with its rounding division.
    @inline(__always) static func cmykToRGB(_ ink: UInt8, _ black: UInt8) -> UInt8 {
        let nk = 255 - Int(black)
        let t = Int(ink) * nk + 128
        let product = ((t >> 8) + t) >> 8
        return UInt8(clamping: nk - product)
    }

    /// A 16-bit grey sample in 8 bits: Pillow's `I;16` to `RGB` (values above 255 become 255), or its high byte.
    @inline(__always) static func eightBits(_ value: UInt16, _ handling: RGBImage.Grey16Handling) -> UInt8 {
        switch handling {
        case .clip: value > 255 ? 255 : UInt8(value)
        case .scale: UInt8(value >> 8)
        }
    }
}
