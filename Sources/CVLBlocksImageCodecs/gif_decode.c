#include "codec_support.h"

#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
} gif_reader;

static int read_from_memory(GifFileType *gif, GifByteType *destination, int length) {
    gif_reader *reader = (gif_reader *)gif->UserData;
    size_t wanted = length > 0 ? (size_t)length : 0, available = reader->size - reader->offset;
    if (wanted > available) wanted = available;
    memcpy(destination, reader->data + reader->offset, wanted);
    reader->offset += wanted;
    return (int)wanted;
}

static const char *gif_error_text(int code) {
    const char *text = GifErrorString(code);
    return text ? text : "unknown giflib error";
}

/// Pillow keeps a palette only when it is not the identity grey ramp (entry i = (i, i, i)); without one the frame
/// is grey, its pixel values the indices themselves.
static int palette_is_needed(const ColorMapObject *map) {
    for (int i = 0; i < map->ColorCount; i++) {
        const GifColorType c = map->Colors[i];
        if (c.Red != i || c.Green != i || c.Blue != i) return 1;
    }
    return 0;
}

/// The row of the `line`-th line stored, for interlaced frames: rows 0, 8, 16 ...; then 4, 12 ...; 2, 6 ...; 1, 3 ...
static int interlaced_row(int line, int height) {
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; pass++) {
        int rows = height > start[pass] ? (height - start[pass] + step[pass] - 1) / step[pass] : 0;
        if (line < rows) return start[pass] + line * step[pass];
        line -= rows;
    }
    return -1;
}

/// The first frame's pixels, after the extension blocks before it (the last graphic control extension that sets a
/// transparent index gives it).
static int decode_first_frame(GifFileType *gif, unsigned long max_pixels, vlb_decoded_image *out) {
    int transparency = -1;
    for (;;) {
        GifRecordType record;
        if (DGifGetRecordType(gif, &record) == GIF_ERROR) {
            vlb_set_message(out, "GIF", "%s", gif_error_text(gif->Error));
            return VLB_IMAGE_CORRUPT;
        }
        if (record == TERMINATE_RECORD_TYPE) {
            vlb_set_message(out, "GIF", "no image before the trailer");
            return VLB_IMAGE_CORRUPT;
        }
        if (record == EXTENSION_RECORD_TYPE) {
            int code = 0;
            GifByteType *block = NULL;
            if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) {
                vlb_set_message(out, "GIF", "%s", gif_error_text(gif->Error));
                return VLB_IMAGE_CORRUPT;
            }
            if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4 && (block[1] & 1)) transparency = block[4];
            while (block) {
                if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) {
                    vlb_set_message(out, "GIF", "%s", gif_error_text(gif->Error));
                    return VLB_IMAGE_CORRUPT;
                }
            }
            continue;
        }
        if (record != IMAGE_DESC_RECORD_TYPE) continue;
        if (DGifGetImageDesc(gif) == GIF_ERROR) {
            vlb_set_message(out, "GIF", "%s", gif_error_text(gif->Error));
            return VLB_IMAGE_CORRUPT;
        }
        break;
    }
    const GifImageDesc frame = gif->Image;
    if (frame.Left < 0 || frame.Top < 0 || frame.Width < 0 || frame.Height < 0) {
        vlb_set_message(out, "GIF", "negative frame geometry");
        return VLB_IMAGE_CORRUPT;
    }
    // A frame reaching past the logical screen enlarges the image (Pillow).
    long long width = gif->SWidth, height = gif->SHeight;
    if ((long long)frame.Left + frame.Width > width) width = (long long)frame.Left + frame.Width;
    if ((long long)frame.Top + frame.Height > height) height = (long long)frame.Top + frame.Height;
    int status = vlb_check_dimensions(out, "GIF", (unsigned long long)width, (unsigned long long)height, max_pixels);
    if (status != VLB_IMAGE_OK) return status;

    // The local colour table, or else the global one; a table that is the identity grey ramp counts as none.
    const ColorMapObject *map = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
    if (frame.ColorMap && !palette_is_needed(frame.ColorMap)) map = NULL;
    if (!frame.ColorMap && map && !palette_is_needed(map)) map = NULL;
    vlb_clear_palette(out);
    for (int i = 0; i < 256; i++) {
        unsigned char *entry = out->palette + 4 * i;
        if (!map) {
            entry[0] = entry[1] = entry[2] = (unsigned char)i;
        } else if (i < map->ColorCount) {
            entry[0] = map->Colors[i].Red;
            entry[1] = map->Colors[i].Green;
            entry[2] = map->Colors[i].Blue;
        }
    }
    if (transparency >= 0) out->palette[4 * transparency + 3] = 0;

    status = vlb_allocate_pixels(out, "GIF", (int)width, (int)height, VLB_LAYOUT_INDEXED);
    if (status != VLB_IMAGE_OK) return status;
    // Outside the frame: the transparent index when there is one, else index 0.
    memset(out->pixels, transparency >= 0 ? transparency : 0, (size_t)width * (size_t)height);
    for (int line = 0; line < frame.Height; line++) {
        int row = frame.Interlace ? interlaced_row(line, frame.Height) : line;
        GifPixelType *destination = out->pixels + ((size_t)(frame.Top + row) * (size_t)width + (size_t)frame.Left);
        if (frame.Width > 0 && DGifGetLine(gif, destination, frame.Width) == GIF_ERROR) {
            vlb_set_message(out, "GIF", "row %d of %d: %s", line, frame.Height, gif_error_text(gif->Error));
            return VLB_IMAGE_CORRUPT;
        }
    }
    return VLB_IMAGE_OK;
}

int vlb_gif_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 6 || (memcmp(data, "GIF87a", 6) != 0 && memcmp(data, "GIF89a", 6) != 0)) {
        vlb_set_message(out, "GIF", "missing GIF87a/GIF89a signature");
        return VLB_IMAGE_CORRUPT;
    }
    gif_reader reader = {data, size, 0};
    int error = 0;
    GifFileType *gif = DGifOpen(&reader, read_from_memory, &error);
    if (!gif) {
        vlb_set_message(out, "GIF", "%s", gif_error_text(error));
        return error == D_GIF_ERR_NOT_ENOUGH_MEM ? VLB_IMAGE_NO_MEMORY : VLB_IMAGE_CORRUPT;
    }
    int status = decode_first_frame(gif, max_pixels, out);
    DGifCloseFile(gif, &error);
    if (status != VLB_IMAGE_OK) vlb_image_release(out);
    return status;
}
