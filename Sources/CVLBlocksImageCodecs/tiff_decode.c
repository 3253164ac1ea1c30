#include "codec_support.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

// ---- a TIFF held in memory -----------------------------------------------------------------------------------------

typedef struct {
    const unsigned char *data;
    size_t size;
    uint64_t offset;
    vlb_decoded_image *out;
    unsigned long max_pixels;
    int failed;  // libtiff reported an error (the first message is kept)
} tiff_source;

static tmsize_t read_proc(thandle_t handle, void *buffer, tmsize_t size) {
    tiff_source *source = (tiff_source *)handle;
    if (size <= 0 || source->offset >= source->size) return 0;
    uint64_t available = source->size - source->offset;
    uint64_t count = (uint64_t)size < available ? (uint64_t)size : available;
    memcpy(buffer, source->data + source->offset, (size_t)count);
    source->offset += count;
    return (tmsize_t)count;
}

static tmsize_t write_proc(thandle_t handle, void *buffer, tmsize_t size) {
    (void)handle;
    (void)buffer;
    (void)size;
    return -1;
}

static toff_t seek_proc(thandle_t handle, toff_t offset, int whence) {
    tiff_source *source = (tiff_source *)handle;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? source->offset : source->size;
    if (offset > UINT64_MAX - base) return (toff_t)-1;
    source->offset = base + offset;
    return source->offset;
}

static int close_proc(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t size_proc(thandle_t handle) { return ((tiff_source *)handle)->size; }

// Mapping the buffer lets libtiff check strip and tile sizes against the file's size.
static int map_proc(thandle_t handle, void **base, toff_t *size) {
    tiff_source *source = (tiff_source *)handle;
    *base = (void *)source->data;
    *size = source->size;
    return 1;
}

static void unmap_proc(thandle_t handle, void *base, toff_t size) {
    (void)handle;
    (void)base;
    (void)size;
}

static void record_error(tiff_source *source, const char *module, const char *format, va_list arguments) {
    if (!source || source->failed) return;
    source->failed = 1;
    char text[200];
    vsnprintf(text, sizeof text, format, arguments);
    vlb_set_message(source->out, "TIFF", "%s%s%s", module ? module : "", module ? ": " : "", text);
}

#if TIFFLIB_VERSION >= 20221213
// libtiff 4.5 and later: handlers per open file, so nothing is printed and other users of libtiff are unaffected.
static int on_error(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    record_error((tiff_source *)user, module, format, arguments);
    return 1;
}

static int on_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    (void)user;
    (void)module;
    (void)format;
    (void)arguments;
    return 1;
}

static TIFF *open_source(tiff_source *source) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, source);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, source);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)1 << 30);
    TIFF *tiff = TIFFClientOpenExt("<memory>", "r", (thandle_t)source, read_proc, write_proc, seek_proc, close_proc,
                                   size_proc, map_proc, unmap_proc, options);
    TIFFOpenOptionsFree(options);
    return tiff;
}
#else
// Older libtiff: process-wide handlers, installed once, that route messages through the client data.
#include <pthread.h>

static void on_error(thandle_t handle, const char *module, const char *format, va_list arguments) {
    record_error((tiff_source *)handle, module, format, arguments);
}

static void on_warning(thandle_t handle, const char *module, const char *format, va_list arguments) {
    (void)handle;
    (void)module;
    (void)format;
    (void)arguments;
}

static void install_handlers(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandlerExt(on_error);
    TIFFSetWarningHandlerExt(on_warning);
}

static TIFF *open_source(tiff_source *source) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_handlers);
    return TIFFClientOpen("<memory>", "r", (thandle_t)source, read_proc, write_proc, seek_proc, close_proc, size_proc,
                          map_proc, unmap_proc);
}
#endif

// ---- what the first directory holds --------------------------------------------------------------------------------

typedef struct {
    uint32_t width, height;
    uint16_t bits;          // per sample: 1, 2, 4, 8 or 16
    uint16_t samples;       // per pixel, extra samples included
    uint16_t photometric;
    uint16_t planar;        // PLANARCONFIG_CONTIG or PLANARCONFIG_SEPARATE
    int extra;              // the first extra sample's kind (EXTRASAMPLE_*), -1 when the tag is absent
    int layout;             // the output layout
    int invert;             // min-is-white grey
    int premultiplied;      // RGB with associated alpha, to be divided out as Pillow's RGBa raw mode does
} tiff_shape;

/// The Pillow mode of the directory (the subset of its TIFF table VLBlocks reads), or a message saying why not.
static int classify(TIFF *tiff, tiff_shape *shape, vlb_decoded_image *out) {
    uint16_t format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &shape->bits);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &shape->samples);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &shape->planar);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &shape->photometric)) shape->photometric = PHOTOMETRIC_MINISWHITE;
    uint16_t extra_count = 0;
    uint16_t *extra_kinds = NULL;
    shape->extra = TIFFGetField(tiff, TIFFTAG_EXTRASAMPLES, &extra_count, &extra_kinds) && extra_count > 0 && extra_kinds
                       ? extra_kinds[0] : -1;
    if (format != SAMPLEFORMAT_UINT) {
        vlb_set_message(out, "TIFF", "sample format %u (only unsigned integers are read)", format);
        return VLB_IMAGE_UNSUPPORTED;
    }
    if (shape->bits != 1 && shape->bits != 2 && shape->bits != 4 && shape->bits != 8 && shape->bits != 16) {
        vlb_set_message(out, "TIFF", "%u bits per sample", shape->bits);
        return VLB_IMAGE_UNSUPPORTED;
    }
    if (shape->samples < 1 || shape->samples > 6) {
        vlb_set_message(out, "TIFF", "%u samples per pixel", shape->samples);
        return VLB_IMAGE_UNSUPPORTED;
    }
    if (shape->planar != PLANARCONFIG_CONTIG && shape->planar != PLANARCONFIG_SEPARATE) {
        vlb_set_message(out, "TIFF", "planar configuration %u", shape->planar);
        return VLB_IMAGE_CORRUPT;
    }
    int wide = shape->bits == 16, byte = shape->bits == 8;
    switch (shape->photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK:
        // Pillow inverts min-is-white grey up to 8 bits, not at 16 (its I;16 raw mode), and reads a second sample as
        // alpha only when it is declared unassociated alpha.
        shape->invert = shape->photometric == PHOTOMETRIC_MINISWHITE && !wide;
        if (shape->samples == 1) {
            shape->layout = wide ? VLB_LAYOUT_GREY16 : VLB_LAYOUT_GREY;
            return VLB_IMAGE_OK;
        }
        if (shape->samples == 2 && byte && shape->photometric == PHOTOMETRIC_MINISBLACK &&
            (shape->extra == EXTRASAMPLE_UNSPECIFIED || shape->extra == EXTRASAMPLE_UNASSALPHA)) {
            shape->layout = shape->extra == EXTRASAMPLE_UNASSALPHA ? VLB_LAYOUT_GREY_ALPHA : VLB_LAYOUT_GREY;
            return VLB_IMAGE_OK;
        }
        break;
    case PHOTOMETRIC_YCBCR:
        // JPEG-compressed YCbCr: libjpeg converts to RGB (TIFFTAG_JPEGCOLORMODE), as Pillow asks libtiff to.
        if (compression != COMPRESSION_JPEG || shape->planar != PLANARCONFIG_CONTIG || shape->samples != 3 || !byte) break;
        if (!TIFFSetField(tiff, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB)) break;
        shape->layout = VLB_LAYOUT_RGB;
        return VLB_IMAGE_OK;
    case PHOTOMETRIC_RGB:
        if (!byte && !wide) break;
        if (shape->samples == 3) {
            shape->layout = VLB_LAYOUT_RGB;
            return VLB_IMAGE_OK;
        }
        if (shape->samples >= 4) {
            // No ExtraSamples tag reads as alpha (Pillow's "missing ExtraSamples"), unspecified as padding.
            if (shape->extra == EXTRASAMPLE_UNSPECIFIED) shape->layout = VLB_LAYOUT_RGB;
            else shape->layout = VLB_LAYOUT_RGBA;
            shape->premultiplied = shape->extra == EXTRASAMPLE_ASSOCALPHA;
            if (shape->samples > 4 && shape->extra < 0) break;
            return VLB_IMAGE_OK;
        }
        break;
    case PHOTOMETRIC_PALETTE:
        if (shape->samples != 1 || wide) break;
        {
            uint16_t *red = NULL, *green = NULL, *blue = NULL;
            if (!TIFFGetField(tiff, TIFFTAG_COLORMAP, &red, &green, &blue) || !red || !green || !blue) {
                vlb_set_message(out, "TIFF", "palette image without a colour map");
                return VLB_IMAGE_CORRUPT;
            }
            // The colour map has 2^bits 16-bit entries; Pillow keeps their high bytes.
            vlb_clear_palette(out);
            for (int i = 0; i < (1 << shape->bits) && i < 256; i++) {
                out->palette[4 * i] = (unsigned char)(red[i] >> 8);
                out->palette[4 * i + 1] = (unsigned char)(green[i] >> 8);
                out->palette[4 * i + 2] = (unsigned char)(blue[i] >> 8);
            }
        }
        shape->layout = VLB_LAYOUT_INDEXED;
        return VLB_IMAGE_OK;
    case PHOTOMETRIC_SEPARATED:
        if ((byte || wide) && shape->samples >= 4 && (shape->samples == 4 || shape->extra == EXTRASAMPLE_UNSPECIFIED)) {
            uint16_t inks = INKSET_CMYK;
            TIFFGetFieldDefaulted(tiff, TIFFTAG_INKSET, &inks);
            shape->layout = VLB_LAYOUT_CMYK;
            return VLB_IMAGE_OK;
        }
        break;
    default:
        break;
    }
    vlb_set_message(out, "TIFF", "photometric interpretation %u with %u samples of %u bits (extra sample kind %d)",
                    shape->photometric, shape->samples, shape->bits, shape->extra);
    return VLB_IMAGE_UNSUPPORTED;
}

// ---- reading the samples -------------------------------------------------------------------------------------------

/// The image's samples as libtiff decodes them: for contiguous data `height` rows of `row_bytes` (all samples of a
/// pixel together, sub-byte samples packed), for planar data `samples` planes of `height` rows each.
typedef struct {
    unsigned char *bytes;
    size_t row_bytes;   // one row of one plane (planar) or of all samples (contiguous)
    int planes;
} tiff_samples;

static int read_strips(TIFF *tiff, const tiff_shape *shape, tiff_samples *samples, tiff_source *source) {
    uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    if (rows_per_strip == 0 || rows_per_strip > shape->height) rows_per_strip = shape->height;
    tmsize_t strip_size = TIFFStripSize(tiff);
    if (strip_size <= 0) return VLB_IMAGE_CORRUPT;
    unsigned char *buffer = _TIFFmalloc(strip_size);
    if (!buffer) return VLB_IMAGE_NO_MEMORY;
    uint32_t strips_per_plane = (shape->height + rows_per_strip - 1) / rows_per_strip;
    int status = VLB_IMAGE_OK;
    for (int plane = 0; plane < samples->planes && status == VLB_IMAGE_OK; plane++) {
        for (uint32_t k = 0; k < strips_per_plane; k++) {
            uint32_t strip = (uint32_t)plane * strips_per_plane + k;
            if (strip >= TIFFNumberOfStrips(tiff)) {
                vlb_set_message(source->out, "TIFF", "strip %u missing", strip);
                status = VLB_IMAGE_CORRUPT;
                break;
            }
            uint32_t first = k * rows_per_strip, rows = shape->height - first < rows_per_strip ? shape->height - first : rows_per_strip;
            size_t needed = (size_t)rows * samples->row_bytes;
            tmsize_t got = TIFFReadEncodedStrip(tiff, strip, buffer, strip_size);
            if (got < 0 || (size_t)got < needed || source->failed) {
                if (!source->failed) vlb_set_message(source->out, "TIFF", "strip %u: %s", strip, got < 0 ? "cannot be decoded" : "short");
                status = VLB_IMAGE_CORRUPT;
                break;
            }
            unsigned char *destination = samples->bytes + ((size_t)plane * shape->height + first) * samples->row_bytes;
            memcpy(destination, buffer, needed);
        }
    }
    _TIFFfree(buffer);
    return status;
}

static int read_tiles(TIFF *tiff, const tiff_shape *shape, tiff_samples *samples, tiff_source *source) {
    uint32_t tile_width = 0, tile_height = 0;
    TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tile_width);
    TIFFGetField(tiff, TIFFTAG_TILELENGTH, &tile_height);
    tmsize_t tile_size = TIFFTileSize(tiff), tile_row = TIFFTileRowSize(tiff);
    if (tile_width == 0 || tile_height == 0 || tile_size <= 0 || tile_row <= 0) {
        vlb_set_message(source->out, "TIFF", "bad tile geometry %ux%u", tile_width, tile_height);
        return VLB_IMAGE_CORRUPT;
    }
    // A tile larger than the whole image allowed would make the tile buffer the allocation the pixel limit prevents.
    if ((uint64_t)tile_width * tile_height > (uint64_t)source->max_pixels && (uint64_t)tile_width * tile_height > (1u << 20)) {
        vlb_set_message(source->out, "TIFF", "tiles of %ux%u pixels exceed the pixel limit", tile_width, tile_height);
        return VLB_IMAGE_TOO_LARGE;
    }
    int per_plane_samples = samples->planes > 1 ? 1 : shape->samples;
    size_t pixel_bits = (size_t)per_plane_samples * shape->bits;
    if (((size_t)tile_width * pixel_bits) % 8 != 0) {
        vlb_set_message(source->out, "TIFF", "tiles %u pixels wide do not end on a byte", tile_width);
        return VLB_IMAGE_UNSUPPORTED;
    }
    unsigned char *buffer = _TIFFmalloc(tile_size);
    if (!buffer) return VLB_IMAGE_NO_MEMORY;
    int status = VLB_IMAGE_OK;
    for (int plane = 0; plane < samples->planes && status == VLB_IMAGE_OK; plane++) {
        for (uint32_t y = 0; y < shape->height && status == VLB_IMAGE_OK; y += tile_height) {
            for (uint32_t x = 0; x < shape->width; x += tile_width) {
                uint32_t tile = TIFFComputeTile(tiff, x, y, 0, (uint16_t)plane);
                if (tile >= TIFFNumberOfTiles(tiff)) {
                    vlb_set_message(source->out, "TIFF", "tile %u missing", tile);
                    status = VLB_IMAGE_CORRUPT;
                    break;
                }
                tmsize_t got = TIFFReadEncodedTile(tiff, tile, buffer, tile_size);
                if (got < 0 || got < tile_size || source->failed) {
                    if (!source->failed) vlb_set_message(source->out, "TIFF", "tile %u: %s", tile, got < 0 ? "cannot be decoded" : "short");
                    status = VLB_IMAGE_CORRUPT;
                    break;
                }
                uint32_t columns = shape->width - x < tile_width ? shape->width - x : tile_width;
                uint32_t rows = shape->height - y < tile_height ? shape->height - y : tile_height;
                size_t offset = (size_t)x * pixel_bits / 8, bytes = ((size_t)columns * pixel_bits + 7) / 8;
                for (uint32_t r = 0; r < rows; r++) {
                    unsigned char *destination = samples->bytes + ((size_t)plane * shape->height + y + r) * samples->row_bytes + offset;
                    memcpy(destination, buffer + (size_t)r * (size_t)tile_row, bytes);
                }
            }
        }
    }
    _TIFFfree(buffer);
    return status;
}

// ---- Pillow's unpacking --------------------------------------------------------------------------------------------

/// Sample `s` of pixel `x` in row `y`, as an 8-bit value for sub-byte and 8-bit samples (1, 2 and 4 bits scaled as
/// Pillow's 1, L;2 and L;4 raw modes do) or the 16-bit value.
static unsigned sample_at(const tiff_samples *samples, const tiff_shape *shape, uint32_t x, uint32_t y, int s) {
    const unsigned char *row;
    size_t index;
    if (samples->planes > 1) {
        row = samples->bytes + ((size_t)s * shape->height + y) * samples->row_bytes;
        index = x;
    } else {
        row = samples->bytes + (size_t)y * samples->row_bytes;
        index = (size_t)x * shape->samples + (size_t)s;
    }
    switch (shape->bits) {
    case 16: {
        uint16_t value;
        memcpy(&value, row + 2 * index, 2);  // libtiff returns native-endian samples
        return value;
    }
    case 8: return row[index];
    default: {
        size_t bit = index * shape->bits;
        unsigned value = (row[bit / 8] >> (8 - shape->bits - bit % 8)) & ((1u << shape->bits) - 1);
        return value * (255u / ((1u << shape->bits) - 1));
    }
    }
}

static unsigned char high_byte_or_value(const tiff_shape *shape, unsigned value) {
    return (unsigned char)(shape->bits == 16 ? value >> 8 : value);
}

/// Whole bytes, contiguous, nothing to invert or divide: rows copied (or pixels' leading samples, when extra samples
/// follow), 16-bit samples reduced to their high byte.
static int unpack_directly(const tiff_samples *samples, const tiff_shape *shape, vlb_decoded_image *out) {
    if (samples->planes > 1 || shape->invert || shape->premultiplied || shape->bits < 8) return 0;
    int channels = vlb_layout_bytes(out->layout);
    for (uint32_t y = 0; y < shape->height; y++) {
        const unsigned char *row = samples->bytes + (size_t)y * samples->row_bytes;
        unsigned char *destination = out->pixels + (size_t)y * shape->width * channels;
        if (out->layout == VLB_LAYOUT_GREY16 || (shape->bits == 8 && shape->samples == channels)) {
            memcpy(destination, row, (size_t)shape->width * channels);
        } else if (shape->bits == 8) {
            for (uint32_t x = 0; x < shape->width; x++) memcpy(destination + (size_t)x * channels, row + (size_t)x * shape->samples, channels);
        } else {
            const uint16_t *values = (const uint16_t *)(const void *)row;  // rows of 16-bit samples are 2-byte aligned
            for (uint32_t x = 0; x < shape->width; x++) {
                for (int c = 0; c < channels; c++) destination[(size_t)x * channels + c] = (unsigned char)(values[(size_t)x * shape->samples + c] >> 8);
            }
        }
    }
    return 1;
}

static void unpack(const tiff_samples *samples, const tiff_shape *shape, vlb_decoded_image *out) {
    if (unpack_directly(samples, shape, out)) return;
    int channels = vlb_layout_bytes(out->layout);
    for (uint32_t y = 0; y < shape->height; y++) {
        for (uint32_t x = 0; x < shape->width; x++) {
            unsigned char *pixel = out->pixels + ((size_t)y * shape->width + x) * channels;
            switch (out->layout) {
            case VLB_LAYOUT_GREY16: {
                uint16_t value = (uint16_t)sample_at(samples, shape, x, y, 0);
                memcpy(pixel, &value, 2);
                break;
            }
            case VLB_LAYOUT_INDEXED: {
                // Indices are not scaled.
                unsigned value = sample_at(samples, shape, x, y, 0);
                pixel[0] = (unsigned char)(shape->bits < 8 ? value / (255u / ((1u << shape->bits) - 1)) : value);
                break;
            }
            case VLB_LAYOUT_GREY:
            case VLB_LAYOUT_GREY_ALPHA: {
                unsigned char grey = (unsigned char)sample_at(samples, shape, x, y, 0);
                pixel[0] = shape->invert ? (unsigned char)(255 - grey) : grey;
                if (channels == 2) pixel[1] = (unsigned char)sample_at(samples, shape, x, y, 1);
                break;
            }
            default: {
                for (int c = 0; c < channels; c++) pixel[c] = high_byte_or_value(shape, sample_at(samples, shape, x, y, c));
                if (shape->premultiplied && channels == 4) {
                    // Pillow's RGBa raw mode: fully transparent pixels become 0, others are divided by alpha.
                    int a = pixel[3];
                    for (int c = 0; c < 3; c++) {
                        int value = a == 0 ? 0 : a == 255 ? pixel[c] : pixel[c] * 255 / a;
                        pixel[c] = (unsigned char)(value > 255 ? 255 : value);
                    }
                }
            }
            }
        }
    }
}

// ---- the decoder ---------------------------------------------------------------------------------------------------

static int decode_directory(TIFF *tiff, tiff_source *source, unsigned long max_pixels) {
    vlb_decoded_image *out = source->out;
    tiff_shape shape;
    memset(&shape, 0, sizeof shape);
    if (!TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &shape.width) || !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &shape.height)) {
        vlb_set_message(out, "TIFF", "missing image width or length");
        return VLB_IMAGE_CORRUPT;
    }
    int status = vlb_check_dimensions(out, "TIFF", shape.width, shape.height, max_pixels);
    if (status != VLB_IMAGE_OK) return status;
    if ((status = classify(tiff, &shape, out)) != VLB_IMAGE_OK) return status;
    uint16_t orientation = 0;
    if (TIFFGetField(tiff, TIFFTAG_ORIENTATION, &orientation)) out->orientation = orientation;
    uint32_t xmp_size = 0;
    void *xmp = NULL;
    if (TIFFGetField(tiff, TIFFTAG_XMLPACKET, &xmp_size, &xmp) && xmp && xmp_size > 0) {
        out->xmp = vlb_copy_bytes(xmp, xmp_size);
        out->xmp_size = out->xmp ? xmp_size : 0;
    }

    tiff_samples samples;
    samples.planes = shape.planar == PLANARCONFIG_SEPARATE ? shape.samples : 1;
    int per_plane = samples.planes > 1 ? 1 : shape.samples;
    samples.row_bytes = ((size_t)shape.width * (size_t)per_plane * shape.bits + 7) / 8;
    if (shape.bits < 8 && per_plane > 1) {
        vlb_set_message(out, "TIFF", "%u-bit samples with %d samples per pixel", shape.bits, per_plane);
        return VLB_IMAGE_UNSUPPORTED;
    }
    samples.bytes = malloc(samples.row_bytes * shape.height * (size_t)samples.planes);
    if (!samples.bytes) {
        vlb_set_message(out, "TIFF", "out of memory for %ux%u pixels", shape.width, shape.height);
        return VLB_IMAGE_NO_MEMORY;
    }
    status = TIFFIsTiled(tiff) ? read_tiles(tiff, &shape, &samples, source) : read_strips(tiff, &shape, &samples, source);
    if (status == VLB_IMAGE_OK) status = vlb_allocate_pixels(out, "TIFF", (int)shape.width, (int)shape.height, shape.layout);
    if (status == VLB_IMAGE_OK) unpack(&samples, &shape, out);
    free(samples.bytes);
    return status;
}

int vlb_tiff_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || !((data[0] == 'I' && data[1] == 'I') || (data[0] == 'M' && data[1] == 'M'))) {
        vlb_set_message(out, "TIFF", "missing II/MM byte-order mark");
        return VLB_IMAGE_CORRUPT;
    }
    tiff_source source = {data, size, 0, out, max_pixels, 0};
    TIFF *tiff = open_source(&source);
    if (!tiff) {
        if (!source.failed) vlb_set_message(out, "TIFF", "not a readable TIFF");
        return VLB_IMAGE_CORRUPT;
    }
    int status = decode_directory(tiff, &source, max_pixels);
    if (status == VLB_IMAGE_OK && source.failed) status = VLB_IMAGE_CORRUPT;
    TIFFClose(tiff);
    if (status != VLB_IMAGE_OK) vlb_image_release(out);
    return status;
}
