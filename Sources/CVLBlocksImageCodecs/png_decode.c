#include "codec_support.h"

#include <png.h>
#include <setjmp.h>
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
    vlb_set_message(reader->out, "PNG", "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/// The EXIF block of an ImageMagick "Raw profile type exif" text: the lines after the first three, joined, as hex
/// pairs (whitespace between pairs allowed). NULL when the text is not such a profile.
static unsigned char *raw_profile_bytes(const char *text, size_t length, size_t *size) {
    size_t start = 0;
    for (int newlines = 0; newlines < 3; newlines++) {
        while (start < length && text[start] != '\n') start++;
        if (start == length) return NULL;
        start++;
    }
    unsigned char *bytes = malloc(length / 2 + 1);
    if (!bytes) return NULL;
    size_t count = 0;
    for (size_t i = start; i < length;) {
        if (text[i] == '\n') { i++; continue; }
        if (is_space((unsigned char)text[i])) { i++; continue; }
        int high = hex_value((unsigned char)text[i]);
        int low = i + 1 < length ? hex_value((unsigned char)text[i + 1]) : -1;
        if (high < 0 || low < 0) { free(bytes); return NULL; }
        bytes[count++] = (unsigned char)(high << 4 | low);
        i += 2;
    }
    *size = count;
    return bytes;
}

/// eXIf, or else a text chunk keyed "Raw profile type exif"; an XMP packet from a "XML:com.adobe.xmp" text chunk.
static void read_metadata(png_structp png, png_infop info, vlb_decoded_image *out) {
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 exif_size = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &exif_size, &exif) && exif && exif_size > 0) {
        out->exif = vlb_copy_bytes(exif, exif_size);
        out->exif_size = out->exif ? exif_size : 0;
    }
#endif
    png_textp texts = NULL;
    int count = png_get_text(png, info, &texts, NULL);
    for (int i = 0; i < count; i++) {
        const char *text = texts[i].text ? texts[i].text : "";
        size_t length = strlen(text);
        if (!out->exif && strcmp(texts[i].key, "Raw profile type exif") == 0) {
            out->exif = raw_profile_bytes(text, length, &out->exif_size);
            if (!out->exif) out->exif_size = 0;
        } else if (strcmp(texts[i].key, "XML:com.adobe.xmp") == 0) {
            free(out->xmp);
            out->xmp = vlb_copy_bytes(text, length);
            out->xmp_size = out->xmp ? length : 0;
        }
    }
}

int vlb_png_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        vlb_set_message(out, "PNG", "missing signature");
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
        vlb_image_release(out);
        return status;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 64u << 20);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    status = vlb_check_dimensions(out, "PNG", width, height, max_pixels);
    if (status != VLB_IMAGE_OK) png_longjmp(png, 1);
    status = VLB_IMAGE_CORRUPT;

    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    // The transparency key as the file stores it, read before any transformation rewrites it. Pillow reads a 1-bit
    // grey key as 0 or 255 and compares other keys with the 8-bit samples as they are.
    png_bytep alphas = NULL;
    int alpha_count = 0;
    png_color_16p key = NULL;
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_get_tRNS(png, info, &alphas, &alpha_count, &key);
    int layout;
    switch (type) {
    case PNG_COLOR_TYPE_GRAY:
        if (key) {
            out->key_kind = VLB_KEY_GREY;
            out->transparent_key[0] = depth == 1 ? (key->gray ? 255 : 0) : key->gray;
        }
        if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);  // 1, 2, 4 bits scaled to 8, as Pillow's L;2 and L;4
        if (depth == 16) {
            layout = VLB_LAYOUT_GREY16;
            int one = 1;
            if (*(unsigned char *)&one == 1) png_set_swap(png);  // native-endian samples
        } else {
            layout = VLB_LAYOUT_GREY;
        }
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        layout = VLB_LAYOUT_GREY_ALPHA;
        break;
    case PNG_COLOR_TYPE_RGB:
        if (key) {
            out->key_kind = VLB_KEY_RGB;
            out->transparent_key[0] = key->red;
            out->transparent_key[1] = key->green;
            out->transparent_key[2] = key->blue;
        }
        layout = VLB_LAYOUT_RGB;
        break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        layout = VLB_LAYOUT_RGBA;
        break;
    case PNG_COLOR_TYPE_PALETTE: {
        layout = VLB_LAYOUT_INDEXED;
        vlb_clear_palette(out);
        png_colorp colors = NULL;
        int color_count = 0;
        if (!png_get_PLTE(png, info, &colors, &color_count) || !colors) png_error(png, "palette image without a PLTE chunk");
        for (int i = 0; i < color_count && i < 256; i++) {
            out->palette[4 * i] = colors[i].red;
            out->palette[4 * i + 1] = colors[i].green;
            out->palette[4 * i + 2] = colors[i].blue;
        }
        for (int i = 0; alphas && i < alpha_count && i < 256; i++) out->palette[4 * i + 3] = alphas[i];
        png_set_packing(png);  // one index per byte
        break;
    }
    default:
        png_error(png, "unknown colour type");
    }
    if (depth == 16 && layout != VLB_LAYOUT_GREY16) png_set_strip_16(png);  // the high byte, as Pillow's RGB;16B
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)width * (size_t)vlb_layout_bytes(layout)) {
        vlb_set_message(out, "PNG", "unexpected row size %zu for %u pixels", rowbytes, width);
        status = VLB_IMAGE_UNSUPPORTED;
        png_longjmp(png, 1);
    }
    status = vlb_allocate_pixels(out, "PNG", (int)width, (int)height, layout);
    if (status == VLB_IMAGE_OK) {
        rows = malloc(sizeof(png_bytep) * height);
        if (!rows) status = VLB_IMAGE_NO_MEMORY;
    }
    if (status != VLB_IMAGE_OK) png_longjmp(png, 1);
    status = VLB_IMAGE_CORRUPT;
    for (png_uint_32 y = 0; y < height; y++) rows[y] = out->pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, info);  // eXIf and text chunks after the image data land in `info` too
    read_metadata(png, info, out);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return VLB_IMAGE_OK;
}
