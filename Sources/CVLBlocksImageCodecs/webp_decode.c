#include "codec_support.h"

#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

static void copy_chunk(const WebPDemuxer *demuxer, const char *fourcc, unsigned char **bytes, size_t *size) {
    WebPChunkIterator chunk;
    if (!WebPDemuxGetChunk(demuxer, fourcc, 1, &chunk)) return;
    *bytes = vlb_copy_bytes(chunk.chunk.bytes, chunk.chunk.size);
    *size = *bytes ? chunk.chunk.size : 0;
    WebPDemuxReleaseChunkIterator(&chunk);
}

int vlb_webp_decode(const unsigned char *data, size_t size, unsigned long max_pixels, vlb_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0) {
        vlb_set_message(out, "WebP", "missing RIFF/WEBP header");
        return VLB_IMAGE_CORRUPT;
    }
    // The canvas size from the headers, checked before libwebp allocates the canvas.
    WebPBitstreamFeatures features;
    VP8StatusCode features_status = WebPGetFeatures(data, size, &features);
    if (features_status != VP8_STATUS_OK) {
        vlb_set_message(out, "WebP", features_status == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated header" : "malformed header (status %d)",
                        (int)features_status);
        return features_status == VP8_STATUS_UNSUPPORTED_FEATURE ? VLB_IMAGE_UNSUPPORTED : VLB_IMAGE_CORRUPT;
    }
    int status = vlb_check_dimensions(out, "WebP", (unsigned long long)features.width, (unsigned long long)features.height,
                                      max_pixels);
    if (status != VLB_IMAGE_OK) return status;

    // libwebp's animation decoder for every file, as Pillow: the first frame composed on the canvas, RGBA.
    WebPData webp = {data, size};
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return VLB_IMAGE_NO_MEMORY;
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&webp, &options);
    if (!decoder) {
        vlb_set_message(out, "WebP", "malformed or truncated file (the demuxer refused it)");
        return VLB_IMAGE_CORRUPT;
    }
    WebPAnimInfo info;
    uint8_t *canvas = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &info)) {
        vlb_set_message(out, "WebP", "no animation info");
        status = VLB_IMAGE_CORRUPT;
    } else if ((status = vlb_check_dimensions(out, "WebP", info.canvas_width, info.canvas_height, max_pixels)) != VLB_IMAGE_OK) {
        // a canvas larger than the first frame's header said
    } else if (!WebPAnimDecoderGetNext(decoder, &canvas, &timestamp) || !canvas) {
        vlb_set_message(out, "WebP", "the first frame could not be decoded (corrupt or truncated data)");
        status = VLB_IMAGE_CORRUPT;
    } else {
        // RGBA when the file declares alpha, RGB otherwise (Pillow's RGBX raw mode drops the fourth byte).
        int layout = features.has_alpha ? VLB_LAYOUT_RGBA : VLB_LAYOUT_RGB;
        status = vlb_allocate_pixels(out, "WebP", (int)info.canvas_width, (int)info.canvas_height, layout);
        if (status == VLB_IMAGE_OK) {
            size_t count = (size_t)info.canvas_width * info.canvas_height;
            if (layout == VLB_LAYOUT_RGBA) {
                memcpy(out->pixels, canvas, count * 4);
            } else {
                for (size_t i = 0; i < count; i++) memcpy(out->pixels + 3 * i, canvas + 4 * i, 3);
            }
            const WebPDemuxer *demuxer = WebPAnimDecoderGetDemuxer(decoder);
            copy_chunk(demuxer, "EXIF", &out->exif, &out->exif_size);
            copy_chunk(demuxer, "XMP ", &out->xmp, &out->xmp_size);
        }
    }
    WebPAnimDecoderDelete(decoder);
    if (status != VLB_IMAGE_OK) vlb_image_release(out);
    return status;
}
