extension RGBImage {
    /// One RGB colour.
    public struct Pixel: Sendable, Hashable {
        public var red: UInt8
        public var green: UInt8
        public var blue: UInt8

        public init(red: UInt8, green: UInt8, blue: UInt8) {
            self.red = red
            self.green = green
            self.blue = blue
        }
    }

    /// The image with every pixel of ``transparentColor`` white and no transparency colour left: what transformers'
    /// `convert_to_rgb` does to an RGB image whose `info` holds a transparency (`convert("RGBA")` makes those pixels
    /// transparent, `alpha_composite` on white makes them white). The image itself when it has no such colour.
    public func transparentColorOnWhite() -> RGBImage {
        guard let key = transparentColor else { return self }
        var out = pixels
        for p in stride(from: 0, to: out.count, by: 3) where out[p] == key.red && out[p + 1] == key.green && out[p + 2] == key.blue {
            out[p + 1] = 255
            out[p + 2] = 255
            out[p] = 255
        }
        return RGBImage(checkedWidth: width, height: height, pixels: out)
    }
}
