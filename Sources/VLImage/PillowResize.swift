/// Pillow's `Image.resize(..., resample=BICUBIC)` on 8-bit RGB, reproduced exactly: separable passes,
/// a = -0.5 cubic whose support widens by the scale when downscaling, coefficients in Double normalised to
/// 22-bit fixed point, and 8-bit rounding and clamping between the passes.
///
/// Pass order follows Pillow 13: horizontal first, except when the height shrinks by more than twice as
/// many pixels as the width (`h < H` and `H - h > 2 (W - w)`), then vertical first
/// (python-pillow/Pillow#9549; the rule was read off Pillow 13.0.0's output over 385 size combinations,
/// shrinking, growing and mixed). Earlier Pillow always went
/// horizontal first; the two orders differ by at most a few 8-bit levels.
public enum PillowResize {
    static let precisionBits = 32 - 8 - 2

    /// The cubic Pillow uses (`bicubic_filter`, a = -0.5).
    static func cubic(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Per output index: first input index and fixed-point weights (Pillow's `precompute_coeffs` and
    /// `normalize_coeffs_8bpc`).
    static func coefficients(inputSize: Int, outputSize: Int) -> (starts: [Int], weights: [[Int32]]) {
        let support = 2.0
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let window = support * filterScale
        var starts: [Int] = [], weights: [[Int32]] = []
        for xx in 0..<outputSize {
            let center = (Double(xx) + 0.5) * scale
            let inverse = 1 / filterScale
            let xmin = max(Int(center - window + 0.5), 0)
            let xmax = min(Int(center + window + 0.5), inputSize) - xmin
            var k = (0..<max(xmax, 0)).map { x in cubic((Double(x + xmin) - center + 0.5) * inverse) }
            let total = k.reduce(0, +)
            if total != 0 { k = k.map { $0 / total } }
            let one = Double(1 << precisionBits)
            starts.append(xmin)
            weights.append(k.map { $0 < 0 ? Int32(-0.5 + $0 * one) : Int32(0.5 + $0 * one) })
        }
        return (starts, weights)
    }

    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return shifted < 0 ? 0 : shifted > 255 ? 255 : UInt8(shifted)
    }

    /// Resizes to `width x height`.
    public static func bicubic(_ image: RGBImage, width outW: Int, height outH: Int) -> RGBImage {
        precondition(outW > 0 && outH > 0, "output size must be positive")
        let (w, h) = (image.width, image.height)
        let verticalFirst = outW != w && outH < h && (h - outH) > 2 * (w - outW)
        var pixels = image.pixels
        var size = (width: w, height: h)
        for pass in verticalFirst ? [1, 0] : [0, 1] {
            if pass == 0, outW != size.width {
                pixels = horizontalPass(pixels, width: size.width, height: size.height, outWidth: outW)
                size.width = outW
            } else if pass == 1, outH != size.height {
                pixels = verticalPass(pixels, width: size.width, height: size.height, outHeight: outH)
                size.height = outH
            }
        }
        return RGBImage(checkedWidth: outW, height: outH, pixels: pixels)
    }

    static func horizontalPass(_ pixels: [UInt8], width w: Int, height h: Int, outWidth outW: Int) -> [UInt8] {
        let (starts, weights) = coefficients(inputSize: w, outputSize: outW)
        let rounding = Int32(1) << Int32(precisionBits - 1)
        var out = [UInt8](repeating: 0, count: outW * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<outW {
                        var s0 = rounding, s1 = rounding, s2 = rounding
                        var p = (y * w + starts[x]) * 3
                        for weight in weights[x] {
                            s0 &+= Int32(src[p]) &* weight
                            s1 &+= Int32(src[p + 1]) &* weight
                            s2 &+= Int32(src[p + 2]) &* weight
                            p += 3
                        }
                        let d = (y * outW + x) * 3
                        dst[d] = clip8(s0)
                        dst[d + 1] = clip8(s1)
                        dst[d + 2] = clip8(s2)
                    }
                }
            }
        }
        return out
    }

    /// The vertical pass is the horizontal one on the transposed image: the same taps, sums and rounding.
    static func verticalPass(_ pixels: [UInt8], width w: Int, height h: Int, outHeight outH: Int) -> [UInt8] {
        transpose(horizontalPass(transpose(pixels, width: w, height: h), width: h, height: w, outWidth: outH), width: outH, height: w)
    }

    /// `[height, width, 3]` → `[width, height, 3]`.
    static func transpose(_ pixels: [UInt8], width w: Int, height h: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<h {
            for x in 0..<w {
                let s = (y * w + x) * 3, d = (x * h + y) * 3
                out[d] = pixels[s]
                out[d + 1] = pixels[s + 1]
                out[d + 2] = pixels[s + 2]
            }
        }
        return out
    }
}
