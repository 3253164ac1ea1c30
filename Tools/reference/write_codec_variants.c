// Encodings Pillow cannot write, for make_image_format_fixtures.py: JPEG as YCCK (Adobe transform 2), as CMYK
// without an Adobe marker and arithmetic-coded, and TIFF as JPEG-compressed YCbCr. Built by the script with the
// system's libjpeg-turbo and libtiff:
//   cc -O2 -o write_codec_variants write_codec_variants.c -ljpeg -ltiff
// Usage: write_codec_variants ycck|cmyk-plain|arithmetic|tiff-ycbcr WIDTH HEIGHT INPUT.raw OUTPUT
// INPUT.raw holds the samples row by row: 4 bytes a pixel (Adobe-inverted CMYK, as Pillow's CMYK;I) for ycck and
// cmyk-plain, 3 (RGB) for arithmetic and tiff-ycbcr.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <tiffio.h>

/// A JPEG-compressed YCbCr TIFF (2x2 subsampling) from RGB rows, libtiff converting through libjpeg.
static int write_tiff_ycbcr(const char *path, int width, int height, unsigned char *pixels) {
    TIFF *tiff = TIFFOpen(path, "w");
    if (!tiff) return 1;
    TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
    TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
    TIFFSetField(tiff, TIFFTAG_JPEGQUALITY, 90);
    TIFFSetField(tiff, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, 16);
    for (int y = 0; y < height; y++) {
        if (TIFFWriteScanline(tiff, pixels + (size_t)y * width * 3, (uint32_t)y, 0) < 0) return 1;
    }
    TIFFClose(tiff);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s ycck|cmyk-plain|arithmetic|tiff-ycbcr WIDTH HEIGHT INPUT.raw OUTPUT\n", argv[0]);
        return 2;
    }
    const char *kind = argv[1];
    int width = atoi(argv[2]), height = atoi(argv[3]);
    int components = strcmp(kind, "ycck") == 0 || strcmp(kind, "cmyk-plain") == 0 ? 4 : 3;
    size_t size = (size_t)width * height * components;
    unsigned char *pixels = malloc(size);
    FILE *input = fopen(argv[4], "rb");
    if (!pixels || !input || fread(pixels, 1, size, input) != size) {
        fprintf(stderr, "cannot read %zu bytes from %s\n", size, argv[4]);
        return 1;
    }
    fclose(input);
    if (strcmp(kind, "tiff-ycbcr") == 0) return write_tiff_ycbcr(argv[5], width, height, pixels);
    FILE *output = fopen(argv[5], "wb");
    if (!output) return 1;

    struct jpeg_compress_struct info;
    struct jpeg_error_mgr errors;
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, output);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = components;
    info.in_color_space = components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 90, TRUE);
    if (strcmp(kind, "ycck") == 0) {
        jpeg_set_colorspace(&info, JCS_YCCK);  // writes an Adobe marker with transform 2
    } else if (strcmp(kind, "cmyk-plain") == 0) {
        jpeg_set_colorspace(&info, JCS_CMYK);
        info.write_Adobe_marker = FALSE;
    } else {
        info.arith_code = TRUE;
    }
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = pixels + (size_t)info.next_scanline * width * components;
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    fclose(output);
    free(pixels);
    return 0;
}
