#include "codec_support.h"

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
    vlb_set_message(failure->out, "JPEG", "%s", text);
    longjmp(failure->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
    // Warnings are ignored, except premature end of data: libjpeg would fill the rest with grey.
    if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) on_error(info);
}

static const char xmp_prefix[] = "http://ns.adobe.com/xap/1.0/";  // followed by a NUL

/// Pillow's metadata: the APP1 "Exif" payloads concatenated (each after its "Exif\0\0"), the last APP1 XMP packet.
static void read_metadata(struct jpeg_decompress_struct *info, vlb_decoded_image *out) {
    for (jpeg_saved_marker_ptr marker = info->marker_list; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1) continue;
        if (marker->data_length >= 6 && memcmp(marker->data, "Exif\0\0", 6) == 0) {
            if (!vlb_append_bytes(&out->exif, &out->exif_size, marker->data + 6, marker->data_length - 6)) return;
        } else if (marker->data_length >= sizeof xmp_prefix && memcmp(marker->data, xmp_prefix, sizeof xmp_prefix) == 0) {
            free(out->xmp);
            out->xmp_size = marker->data_length - sizeof xmp_prefix;
            out->xmp = vlb_copy_bytes(marker->data + sizeof xmp_prefix, out->xmp_size);
            if (!out->xmp) out->xmp_size = 0;
        }
    }
}

int vlb_jpeg_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        vlb_set_message(out, "JPEG", "missing start-of-image marker");
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
        vlb_image_release(out);
        return status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    status = vlb_check_dimensions(out, "JPEG", info.image_width, info.image_height, max_pixels);
    if (status != VLB_IMAGE_OK) longjmp(failure.jump, 1);
    status = VLB_IMAGE_CORRUPT;
    int layout;
    switch (info.num_components) {
    case 1:
        info.out_color_space = JCS_GRAYSCALE;
        layout = VLB_LAYOUT_GREY;
        break;
    case 3:
        info.out_color_space = JCS_RGB;  // from YCbCr or RGB, as libjpeg reads the markers (as Pillow lets it)
        layout = VLB_LAYOUT_RGB;
        break;
    case 4:
        info.out_color_space = JCS_CMYK;  // from CMYK or YCCK
        layout = VLB_LAYOUT_CMYK;
        break;
    default:
        vlb_set_message(out, "JPEG", "%d-component images are not supported", info.num_components);
        status = VLB_IMAGE_UNSUPPORTED;
        longjmp(failure.jump, 1);
    }
    read_metadata(&info, out);
    jpeg_start_decompress(&info);
    if ((int)info.output_components != vlb_layout_bytes(layout)) {
        vlb_set_message(out, "JPEG", "unexpected output of %d components", info.output_components);
        longjmp(failure.jump, 1);
    }
    status = vlb_allocate_pixels(out, "JPEG", (int)info.output_width, (int)info.output_height, layout);
    if (status != VLB_IMAGE_OK) longjmp(failure.jump, 1);
    status = VLB_IMAGE_CORRUPT;
    size_t stride = (size_t)info.output_width * info.output_components;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out->pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    if (layout == VLB_LAYOUT_CMYK) {
        // Pillow assumes Adobe's convention for every four-component JPEG (its CMYK;I raw mode): stored inverted.
        size_t count = stride * (size_t)out->height;
        for (size_t i = 0; i < count; i++) out->pixels[i] = (unsigned char)(255 - out->pixels[i]);
    }
    return VLB_IMAGE_OK;
}
