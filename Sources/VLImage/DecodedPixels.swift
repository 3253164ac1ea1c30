/// A decoder's output before conversion to RGB: the samples in the layout Pillow holds the file in (its image mode),
/// with the palette, transparency and orientation metadata that Pillow's `convert` and `exif_transpose` use.
struct DecodedPixels {
    /// Pillow's modes, as far as VLBlocks reads them.
    enum Layout {
        /// `L` (and `1` as 0 / 255): one byte.
        case grey
        /// `LA`: grey, alpha.
        case greyAlpha
        case rgb
        /// `RGBA`, not premultiplied.
        case rgba
        /// `CMYK`: four bytes of ink, 0 = none.
        case cmyk
        /// `I;16`: a native-endian `UInt16` in two bytes.
        case grey16
        /// `P`: an index into ``DecodedPixels/palette``.
        case indexed

        var bytesPerPixel: Int {
            switch self {
            case .grey, .indexed: 1
            case .greyAlpha, .grey16: 2
            case .rgb: 3
            case .rgba, .cmyk: 4
            }
        }
    }

    /// A single-colour transparency key (PNG's tRNS for grey and RGB images), as the file stores it.
    enum TransparencyKey: Equatable {
        case grey(UInt32)
        case rgb(UInt32, UInt32, UInt32)
    }

    var width: Int
    var height: Int
    var layout: Layout
    /// `width * height * layout.bytesPerPixel` bytes, rows top to bottom.
    var samples: UnsafeBufferPointer<UInt8>
    /// The same samples as a Swift array, when the decoder made one (BMP): RGB images then need no copy.
    var ownedSamples: [UInt8]?
    /// For ``Layout/indexed``: 256 RGBA entries (alpha from tRNS or a GIF's transparent index).
    var palette: [UInt8] = []
    var key: TransparencyKey?
    /// An EXIF block (TIFF-structured, possibly behind `Exif\0\0`), from JPEG APP1, PNG eXIf or a raw profile, WebP.
    var exif: [UInt8]?
    /// An XMP packet (JPEG APP1, PNG iTXt, WebP, TIFF), consulted for the orientation when EXIF has none.
    var xmp: [UInt8]?
    /// TIFF's own Orientation tag.
    var tiffOrientation: Int?

    /// The orientation Pillow's `exif_transpose` reads: EXIF (or TIFF's tag), else XMP's `tiff:Orientation`.
    var orientation: ExifOrientation {
        let tag = tiffOrientation ?? exif.flatMap(ExifOrientation.tagValue(inExif:)) ?? xmp.flatMap(ExifOrientation.tagValue(inXMP:))
        return tag.flatMap(ExifOrientation.init(rawValue:)) ?? .up
    }
}
