#include "vlblocks_image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    vlb_decoded_image *out;
} jpeg_failure;

static void on_error(j_common_ptr info) {
    jpeg_failure *failure = (jpeg_failure *)info->err;
    char text[JMSG_LENGTH_MAX];
    info->err->format_message(info, text);
    snprintf(failure->out->message, sizeof failure->out->message, "JPEG: %s", text);
    longjmp(failure->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
    // Warnings are ignored, except premature end of data: libjpeg would fill the rest with grey.
    if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) on_error(info);
}

int vlb_jpeg_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(out->message, sizeof out->message, "JPEG: missing start-of-image marker");
        return VLB_IMAGE_CORRUPT;
    }
    struct jpeg_decompress_struct info;
    jpeg_failure failure;
    volatile int status = VLB_IMAGE_CORRUPT;
    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = on_error;
    failure.manager.emit_message = on_message;
    failure.out = out;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&info);
        free(out->pixels);
        free(out->exif);
        out->pixels = NULL;
        out->exif = NULL;
        out->exif_size = 0;
        return status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    if (info.image_width == 0 || info.image_height == 0) {
        snprintf(out->message, sizeof out->message, "JPEG: zero-sized image");
        status = VLB_IMAGE_EMPTY;
        longjmp(failure.jump, 1);
    }
    if ((unsigned long long)info.image_width * info.image_height > max_pixels) {
        snprintf(out->message, sizeof out->message, "JPEG: %ux%u is %llu pixels, above the limit of %lu", info.image_width,
                 info.image_height, (unsigned long long)info.image_width * info.image_height, max_pixels);
        status = VLB_IMAGE_TOO_LARGE;
        longjmp(failure.jump, 1);
    }
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        snprintf(out->message, sizeof out->message, "JPEG: CMYK/YCCK images are not supported");
        status = VLB_IMAGE_UNSUPPORTED;
        longjmp(failure.jump, 1);
    }
    info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 && memcmp(marker->data, "Exif\0\0", 6) == 0 && !out->exif) {
            out->exif_size = marker->data_length - 6;
            out->exif = malloc(out->exif_size);
            if (out->exif) memcpy(out->exif, marker->data + 6, out->exif_size);
            else out->exif_size = 0;
        }
    }
    jpeg_start_decompress(&info);
    int channels = info.output_components;
    size_t stride = (size_t)info.output_width * channels;
    out->pixels = malloc(stride * info.output_height);
    if (!out->pixels) {
        snprintf(out->message, sizeof out->message, "JPEG: out of memory");
        status = VLB_IMAGE_NO_MEMORY;
        longjmp(failure.jump, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out->pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    out->width = (int)info.output_width;
    out->height = (int)info.output_height;
    out->channels = channels;
    jpeg_destroy_decompress(&info);
    return VLB_IMAGE_OK;
}
