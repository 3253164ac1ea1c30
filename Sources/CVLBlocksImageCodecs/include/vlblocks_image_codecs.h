// PNG and JPEG decoding through the system's libpng and libjpeg(-turbo), with their longjmp-based error
// handling kept inside C so that no malformed file can unwind through Swift frames.
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
    VLB_IMAGE_UNSUPPORTED = 3,  // a valid file of a kind VLBlocks does not decode (e.g. CMYK JPEG)
    VLB_IMAGE_EMPTY = 4,        // zero width or height
    VLB_IMAGE_NO_MEMORY = 5
};

typedef struct vlb_decoded_image {
    int width;
    int height;
    int channels;              // 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; 8 bits each, rows packed
    unsigned char *pixels;     // width * height * channels bytes (malloc'ed)
    unsigned char *exif;       // JPEG APP1 payload after "Exif\0\0" (malloc'ed), or NULL
    size_t exif_size;
    char message[256];         // what went wrong, when the status is not VLB_IMAGE_OK
} vlb_decoded_image;

/// Decodes a PNG held in memory. Palette, grey below 8 bits and tRNS are expanded, 16-bit samples keep
/// their high byte, interlaced images are de-interlaced.
int vlb_png_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Decodes a baseline or progressive JPEG (grey or YCbCr) held in memory; premature end of data is an error.
int vlb_jpeg_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out);

/// Encodes 8-bit RGB pixels (rows packed) as a PNG in memory: *out (malloc'ed, free with free()) holds *size bytes.
/// Returns VLB_IMAGE_OK, or VLB_IMAGE_NO_MEMORY / VLB_IMAGE_CORRUPT with nothing to free.
int vlb_png_encode_rgb(const unsigned char *pixels, int width, int height, unsigned char **out, size_t *size);

/// Frees what a decoder allocated (safe on a zeroed or failed result).
void vlb_image_release(vlb_decoded_image *image);

#ifdef __cplusplus
}
#endif

#endif
