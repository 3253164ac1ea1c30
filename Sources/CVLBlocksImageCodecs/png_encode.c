#include "vlblocks_image_codecs.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

int vlb_png_encode_rgb(const unsigned char *pixels, int width, int height, unsigned char **out, size_t *size) {
    *out = NULL;
    *size = 0;
    if (width <= 0 || height <= 0) return VLB_IMAGE_EMPTY;
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t needed = 0;
    if (!png_image_write_to_memory(&image, NULL, &needed, 0, pixels, 0, NULL)) {
        png_image_free(&image);
        return VLB_IMAGE_CORRUPT;
    }
    unsigned char *buffer = malloc(needed);
    if (!buffer) return VLB_IMAGE_NO_MEMORY;
    if (!png_image_write_to_memory(&image, buffer, &needed, 0, pixels, 0, NULL)) {
        free(buffer);
        png_image_free(&image);
        return VLB_IMAGE_CORRUPT;
    }
    *out = buffer;
    *size = needed;
    return VLB_IMAGE_OK;
}
