// Helpers shared by the decoders (not part of the module's interface).
#ifndef VLBLOCKS_CODEC_SUPPORT_H
#define VLBLOCKS_CODEC_SUPPORT_H

#include "vlblocks_image_codecs.h"

#include <stddef.h>

/// Bytes per pixel of a layout (0 for an unknown layout).
int vlb_layout_bytes(int layout);

/// Writes "<format>: <printf message>" into out->message.
void vlb_set_message(vlb_decoded_image *out, const char *format, const char *message, ...)
    __attribute__((format(printf, 3, 4)));

/// Checks width and height before anything is allocated: VLB_IMAGE_EMPTY for a zero side, VLB_IMAGE_TOO_LARGE above
/// max_pixels, VLB_IMAGE_OK otherwise (with out->message set on failure).
int vlb_check_dimensions(vlb_decoded_image *out, const char *format, unsigned long long width, unsigned long long height,
                         unsigned long max_pixels);

/// Allocates out->pixels for width x height pixels of `layout` and records the size and layout;
/// VLB_IMAGE_NO_MEMORY (with a message) when malloc fails.
int vlb_allocate_pixels(vlb_decoded_image *out, const char *format, int width, int height, int layout);

/// Sets every palette entry to opaque black (Pillow's palette before a file's entries are written into it).
void vlb_clear_palette(vlb_decoded_image *out);

/// A malloc'ed copy of `size` bytes, or NULL.
unsigned char *vlb_copy_bytes(const void *bytes, size_t size);

/// Appends `size` bytes to a malloc'ed block (*block, *block_size); returns 0 when out of memory (the block is kept).
int vlb_append_bytes(unsigned char **block, size_t *block_size, const void *bytes, size_t size);

#endif
