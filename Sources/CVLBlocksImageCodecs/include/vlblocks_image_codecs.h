// Image decoding through the system's libpng, libjpeg(-turbo), libwebp, giflib and libtiff. Each library's error
// handling (libpng's and libjpeg's longjmp, giflib's error codes, libtiff's handlers) stays inside C so that no
// malformed file can unwind through Swift frames or print to stderr.
//
// The decoders do not convert to RGB: they return the samples in the layout Pillow would hold them in (its image
// "mode"), so that Swift applies Pillow's own conversions (palette lookup, CMYK, 16-bit grey, transparency).
#ifndef VLBLOCKS_IMAGE_CODECS_H
#define VLBLOCKS_IMAGE_CODECS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vlb_image_status {
    VLB_IMAGE_OK = 0,
    VLB_IMAGE_CORRUPT = 1,      // malformed or truncated data
    VLB_IMAGE_TOO_LARGE = 2,    // width x height above the caller's limit (checked before allocating)
    VLB_IMAGE_UNSUPPORTED = 3,  // a valid file of a kind VLBlocks does not decode (e.g. 32-bit float TIFF)
    VLB_IMAGE_EMPTY = 4,        // zero width or height
    VLB_IMAGE_NO_MEMORY = 5
};

/// How the samples of a decoded image are laid out (rows packed, top to bottom).
enum vlb_pixel_layout {
    VLB_LAYOUT_GREY = 1,        // 1 byte per pixel (Pillow's L, and its 1 as 0 / 255)
    VLB_LAYOUT_GREY_ALPHA = 2,  // 2 bytes: grey, alpha (LA)
    VLB_LAYOUT_RGB = 3,         // 3 bytes
    VLB_LAYOUT_RGBA = 4,        // 4 bytes, alpha not premultiplied
    VLB_LAYOUT_CMYK = 5,        // 4 bytes of ink, 0 = none (Pillow's CMYK)
    VLB_LAYOUT_GREY16 = 6,      // 2 bytes, a native-endian uint16 (Pillow's I;16)
    VLB_LAYOUT_INDEXED = 7      // 1 byte, an index into `palette` (Pillow's P)
};

/// Which samples a single-colour transparency key (PNG tRNS for grey and RGB) marks transparent.
enum vlb_transparency_key {
    VLB_KEY_NONE = 0,
    VLB_KEY_GREY = 1,           // transparent_key[0]
    VLB_KEY_RGB = 2             // transparent_key[0 ... 2]
};

typedef struct vlb_decoded_image {
    int width;
    int height;
    int layout;                    // enum vlb_pixel_layout
    unsigned char *pixels;         // width * height * bytes-per-pixel bytes (malloc'ed)
    unsigned char palette[256 * 4];// VLB_LAYOUT_INDEXED: RGBA entries; entries past the file's palette are opaque black
    int key_kind;                  // enum vlb_transparency_key
    unsigned int transparent_key[3]; // the key's values as the file stores them (16 bits at most)
    unsigned char *exif;           // an EXIF (TIFF-structured) block (malloc'ed), or NULL
    size_t exif_size;
    unsigned char *xmp;            // an XMP packet (malloc'ed), or NULL
    size_t xmp_size;
    int orientation;               // TIFF's Orientation tag (1 ... 8), 0 when absent or for other formats
    char message[256];             // what went wrong, when the status is not VLB_IMAGE_OK
} vlb_decoded_image;

/// Decodes a PNG held in memory. Grey below 8 bits is scaled to 8 bits, 16-bit grey keeps 16 bits, other 16-bit
/// samples keep their high byte, palettes are returned with their tRNS alphas, interlaced images are de-interlaced;
/// eXIf and an XMP iTXt chunk are returned, as is a "Raw profile type exif" text chunk when there is no eXIf.
int vlb_png_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Decodes a JPEG held in memory (baseline, progressive or arithmetic-coded; grey, YCbCr, RGB, CMYK or YCCK;
/// four-component images as Adobe-inverted CMYK, as Pillow reads them); premature end of data is an error.
int vlb_jpeg_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Decodes the first frame of a WebP (lossy, lossless, with alpha, animated) through libwebp's animation decoder,
/// as Pillow does: RGBA when the file has alpha, RGB otherwise.
int vlb_webp_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Decodes the first frame of a GIF through giflib, placed on the logical screen as Pillow places it.
int vlb_gif_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Decodes the first image of a TIFF through libtiff (strips or tiles, contiguous or planar, any compression
/// libtiff reads): 1 to 16-bit grey, RGB(A), palette, CMYK and JPEG-compressed YCbCr.
int vlb_tiff_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Encodes 8-bit RGB pixels (rows packed) as a PNG in memory: *out (malloc'ed, free with free()) holds *size bytes.
/// Returns VLB_IMAGE_OK, or VLB_IMAGE_NO_MEMORY / VLB_IMAGE_CORRUPT with nothing to free.
int vlb_png_encode_rgb(const unsigned char *pixels, int width, int height, unsigned char **out, size_t *size);

/// Frees what a decoder allocated (safe on a zeroed or failed result).
void vlb_image_release(vlb_decoded_image *image);

#ifdef __cplusplus
}
#endif

#endif
