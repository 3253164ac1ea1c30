#include "vlblocks_image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    vlb_decoded_image *out;
} png_reader;

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_reader *reader = (png_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        png_error(png, "unexpected end of data (truncated file)");
    }
    memcpy(destination, reader->data + reader->offset, length);
    reader->offset += length;
}

static void on_error(png_structp png, png_const_charp message) {
    png_reader *reader = (png_reader *)png_get_error_ptr(png);
    snprintf(reader->out->message, sizeof reader->out->message, "PNG: %s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

int vlb_png_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(out->message, sizeof out->message, "PNG: missing signature");
        return VLB_IMAGE_CORRUPT;
    }
    png_reader reader = {data, size, 0, out};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
    if (!png) return VLB_IMAGE_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return VLB_IMAGE_NO_MEMORY;
    }
    png_bytep *volatile rows = NULL;
    volatile int status = VLB_IMAGE_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        free(out->pixels);
        out->pixels = NULL;
        return status;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 64u << 20);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if (width == 0 || height == 0) {
        snprintf(out->message, sizeof out->message, "PNG: zero-sized image (%ux%u)", width, height);
        status = VLB_IMAGE_EMPTY;
        png_longjmp(png, 1);
    }
    if ((unsigned long long)width * height > max_pixels) {
        snprintf(out->message, sizeof out->message, "PNG: %ux%u is %llu pixels, above the limit of %lu", width, height,
                 (unsigned long long)width * height, max_pixels);
        status = VLB_IMAGE_TOO_LARGE;
        png_longjmp(png, 1);
    }
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || rowbytes != (size_t)width * channels) {
        snprintf(out->message, sizeof out->message, "PNG: unsupported layout (%d channels, %zu bytes per row)", channels, rowbytes);
        status = VLB_IMAGE_UNSUPPORTED;
        png_longjmp(png, 1);
    }
    out->pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!out->pixels || !rows) {
        snprintf(out->message, sizeof out->message, "PNG: out of memory");
        status = VLB_IMAGE_NO_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = out->pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    return VLB_IMAGE_OK;
}

void vlb_image_release(vlb_decoded_image *image) {
    free(image->pixels);
    free(image->exif);
    image->pixels = NULL;
    image->exif = NULL;
    image->exif_size = 0;
}

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
