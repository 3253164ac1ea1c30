#include "codec_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vlb_layout_bytes(int layout) {
    switch (layout) {
    case VLB_LAYOUT_GREY: return 1;
    case VLB_LAYOUT_GREY_ALPHA: return 2;
    case VLB_LAYOUT_RGB: return 3;
    case VLB_LAYOUT_RGBA: return 4;
    case VLB_LAYOUT_CMYK: return 4;
    case VLB_LAYOUT_GREY16: return 2;
    case VLB_LAYOUT_INDEXED: return 1;
    default: return 0;
    }
}

void vlb_set_message(vlb_decoded_image *out, const char *format, const char *message, ...) {
    char text[sizeof out->message];
    va_list arguments;
    va_start(arguments, message);
    vsnprintf(text, sizeof text, message, arguments);
    va_end(arguments);
    snprintf(out->message, sizeof out->message, "%s: %s", format, text);
}

int vlb_check_dimensions(vlb_decoded_image *out, const char *format, unsigned long long width, unsigned long long height,
                         unsigned long max_pixels) {
    if (width == 0 || height == 0) {
        vlb_set_message(out, format, "zero-sized image (%llux%llu)", width, height);
        return VLB_IMAGE_EMPTY;
    }
    // Sides are at most 2^32 in every format, so the product cannot overflow.
    if (width * height > max_pixels) {
        vlb_set_message(out, format, "%llux%llu is %llu pixels, above the limit of %lu", width, height, width * height,
                        max_pixels);
        return VLB_IMAGE_TOO_LARGE;
    }
    return VLB_IMAGE_OK;
}

int vlb_allocate_pixels(vlb_decoded_image *out, const char *format, int width, int height, int layout) {
    size_t bytes = (size_t)width * (size_t)height * (size_t)vlb_layout_bytes(layout);
    out->pixels = malloc(bytes ? bytes : 1);
    if (!out->pixels) {
        vlb_set_message(out, format, "out of memory for %dx%d pixels", width, height);
        return VLB_IMAGE_NO_MEMORY;
    }
    out->width = width;
    out->height = height;
    out->layout = layout;
    return VLB_IMAGE_OK;
}

void vlb_clear_palette(vlb_decoded_image *out) {
    memset(out->palette, 0, sizeof out->palette);
    for (int i = 0; i < 256; i++) out->palette[4 * i + 3] = 255;
}

unsigned char *vlb_copy_bytes(const void *bytes, size_t size) {
    unsigned char *copy = malloc(size ? size : 1);
    if (copy && size) memcpy(copy, bytes, size);
    return copy;
}

int vlb_append_bytes(unsigned char **block, size_t *block_size, const void *bytes, size_t size) {
    unsigned char *grown = realloc(*block, *block_size + size + 1);
    if (!grown) return 0;
    memcpy(grown + *block_size, bytes, size);
    *block = grown;
    *block_size += size;
    return 1;
}

void vlb_image_release(vlb_decoded_image *image) {
    free(image->pixels);
    free(image->exif);
    free(image->xmp);
    image->pixels = NULL;
    image->exif = NULL;
    image->xmp = NULL;
    image->exif_size = 0;
    image->xmp_size = 0;
}
