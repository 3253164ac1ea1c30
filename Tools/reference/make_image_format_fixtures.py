"""Image-format fixtures: small crops of the public-domain photographs in Tests/Fixtures/images (chelsea.png, CC0;
coffee.jpg, CC0; astronaut_grey.png, NASA, public domain) saved in every kind VLBlocks reads, and what Pillow 13 +
transformers 5.23 make of them.

Regenerate (repository root; needs a C compiler, libjpeg-turbo and libtiff headers for the encodings Pillow cannot
write, see write_codec_variants.c):
    /tmp/vlpeers/bin/python Tools/reference/make_image_format_fixtures.py

Pillow writes most files; the kinds it cannot write are assembled here from Pillow's pixels (16-bit RGB/RGBA/LA and
2/4-bit grey and interlaced PNG, 4-bit, RLE, 16-bit, top-down, core-header and alpha-bit-field BMP, big-endian,
tiled, planar, 16-bit RGB, min-is-white and premultiplied TIFF, GIFs with local palettes and offset frames) or by
write_codec_variants.c (YCCK, plain-CMYK and arithmetic JPEG, JPEG-compressed YCbCr TIFF). Every expected value
comes from Pillow reading the file, never from the writer.

Writes Tests/Fixtures/images/formats/<kind>.<ext>, formats/bad/* (truncated files and bad headers per format) and
formats/expected.safetensors with, per file (uint8):
  <name>.drop        ImageOps.exif_transpose(Image.open(path)).convert("RGB")           [H, W, 3]
  <name>.white       transformers' convert_to_rgb of the transposed image (for files with alpha or transparency)
  <name>.scale       the high byte of 16-bit grey (VLBlocks' --grey16 scale), for 16-bit grey files
  <name>.clip.drop   CLIPImageProcessorPil (shortest edge 16, crop 16) of the .drop image  [16, 16, 3]
  <name>.clip.white  CLIPImageProcessorPil of the transposed image as opened (it composites on white itself)
and, for a few kinds, <name>.clip.pixel_values: the processor's float32 output, for `vlblocks preprocess`.
"""
import io
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import PIL
import torch
import transformers
from PIL import Image, ImageOps, PngImagePlugin
from safetensors.torch import save_file
from transformers.image_transforms import convert_to_rgb
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

from common import FIXTURES, versions

assert PIL.__version__ == "13.0.0", f"Pillow 13.0.0 expected, found {PIL.__version__}"
assert transformers.__version__ == "5.23.0", f"transformers 5.23.0 expected, found {transformers.__version__}"

IMAGES = os.path.join(FIXTURES, "images")
OUT = os.path.join(IMAGES, "formats")
BAD = os.path.join(OUT, "bad")
os.makedirs(BAD, exist_ok=True)
for folder in (OUT, BAD):
    for name in os.listdir(folder):
        if os.path.isfile(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))

W, H = 31, 21
rng = np.random.default_rng(18)
cat = Image.open(os.path.join(IMAGES, "chelsea.png")).convert("RGB").crop((200, 80, 200 + W, 80 + H))
cup = Image.open(os.path.join(IMAGES, "coffee.jpg")).convert("RGB").crop((120, 60, 120 + W, 60 + H))
grey = Image.open(os.path.join(IMAGES, "astronaut_grey.png")).convert("L").crop((40, 50, 40 + W, 50 + H))
for image in (cat, cup, grey):
    image.info.clear()  # no ICC profiles: smaller files
cat_u8, grey_u8 = np.array(cat), np.array(grey)
# An alpha ramp with a fully transparent and a fully opaque band.
alpha_u8 = np.tile(np.clip(np.linspace(-60, 320, W), 0, 255).astype(np.uint8), (H, 1))
cat_rgba = Image.fromarray(np.dstack([cat_u8, alpha_u8]), "RGBA")

helper_dir = tempfile.mkdtemp(prefix="vlblocks-fixtures-")
helper = os.path.join(helper_dir, "write_codec_variants")
subprocess.run(["cc", "-O2", "-o", helper, os.path.join(os.path.dirname(__file__), "write_codec_variants.c"), "-ljpeg", "-ltiff"],
               check=True)


def path(name):
    return os.path.join(OUT, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def variant(kind, raw, size, name):
    raw_path = os.path.join(helper_dir, "input.raw")
    with open(raw_path, "wb") as f:
        f.write(raw)
    subprocess.run([helper, kind, str(size[0]), str(size[1]), raw_path, path(name)], check=True)


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


# --- JPEG -------------------------------------------------------------------------------------------------------
cat.convert("CMYK").save(path("jpeg_cmyk.jpg"), quality=90)  # Pillow writes Adobe-inverted CMYK with an APP14 marker
inverted_cmyk = bytes(255 - np.array(cat.convert("CMYK")).reshape(-1))
variant("ycck", inverted_cmyk, cat.size, "jpeg_ycck.jpg")
variant("cmyk-plain", inverted_cmyk, cat.size, "jpeg_cmyk_no_adobe.jpg")
variant("arithmetic", cat.tobytes(), cat.size, "jpeg_arithmetic.jpg")
grey.save(path("jpeg_grey.jpg"), quality=90)
cup.convert("CMYK").save(path("jpeg_cmyk_progressive_rotated.jpg"), quality=85, progressive=True, exif=exif_with_orientation(6))


# --- PNG ----------------------------------------------------------------------------------------------------------
def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_file(width, height, depth, colour, rows, interlaced=False, extra=b""):
    """A PNG from unfiltered rows (bytes per row as the format packs them); `rows(x0, dx, y0, dy)` gives the rows of
    an Adam7 pass, or of the whole image."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1 if interlaced else 0)
    passes = [(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, dx, y0, dy in passes if interlaced else [(0, 1, 0, 1)]:
        if x0 >= width or y0 >= height:
            continue
        raw += b"".join(b"\0" + row for row in rows(x0, dx, y0, dy))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def sample_rows(samples, bits=16):
    """Rows of a [H, W, C] (or [H, W]) array of samples at 16 bits (big-endian) or packed 1/2/4 bits."""
    def rows(x0, dx, y0, dy):
        part = samples[y0::dy, x0::dx]
        if bits == 16:
            return [row.astype(">u2").tobytes() for row in part]
        packed = []
        for row in part:
            values = row.reshape(-1).astype(int)
            pad = (-len(values)) % (8 // bits)
            values = np.concatenate([values, np.zeros(pad, int)]).reshape(-1, 8 // bits)
            shifts = np.arange(8 // bits)[::-1] * bits
            packed.append(bytes((values << shifts).sum(axis=1).astype(np.uint8)))
        return packed
    return rows


def low_noise(shape):
    return rng.integers(0, 256, shape)


rgb16 = (cat_u8.astype(np.uint32) << 8) | low_noise(cat_u8.shape)  # the high byte is the photograph
write("png_rgb16.png", png_file(W, H, 16, 2, sample_rows(rgb16)))
rgba16 = np.dstack([rgb16, (alpha_u8.astype(np.uint32) << 8) | low_noise(alpha_u8.shape)])
write("png_rgba16.png", png_file(W, H, 16, 6, sample_rows(rgba16)))
la16 = np.dstack([(grey_u8.astype(np.uint32) << 8) | low_noise(grey_u8.shape), (alpha_u8.astype(np.uint32) << 8) | 0x7F])
write("png_la16.png", png_file(W, H, 16, 4, sample_rows(la16)))
# 16-bit grey: a photograph over the full range above, small values (below 256, kept by clipping) below.
grey16 = (grey_u8.astype(np.uint32) * 257)
grey16[H // 2:] = grey_u8[H // 2:].astype(np.uint32) * 3 // 2
Image.fromarray(grey16.astype(np.uint16)).save(path("png_grey16.png"))
key16 = int(grey16[H // 2:].min())  # below 256: Pillow compares it with the clipped samples
write("png_grey16_trns.png", png_file(W, H, 16, 0, sample_rows(grey16), extra=png_chunk(b"tRNS", struct.pack(">H", key16))))
write("png_grey16_interlaced.png", png_file(W, H, 16, 0, sample_rows(grey16), interlaced=True))
palette_image = cat.convert("P", palette=Image.ADAPTIVE, colors=40)
palette_image.save(path("png_palette_trns_index.png"), transparency=int(np.array(palette_image)[4, 4]))
alphas = bytes(rng.integers(0, 256, 40).astype(np.uint8))
palette_image.save(path("png_palette_trns_alphas.png"), transparency=alphas)
cat.convert("P", palette=Image.ADAPTIVE, colors=16).save(path("png_palette_4bit.png"), bits=4)
cat.convert("P", palette=Image.ADAPTIVE, colors=4).save(path("png_palette_2bit.png"), bits=2)
grey.convert("1").save(path("png_grey_1bit.png"))
write("png_grey_2bit.png", png_file(W, H, 2, 0, sample_rows(grey_u8 >> 6, bits=2)))
grey4 = grey_u8 >> 4
grey4[0, :8] = 0  # Pillow compares the unscaled key with the scaled samples: only a key of 0 ever matches
write("png_grey_4bit_trns.png", png_file(W, H, 4, 0, sample_rows(grey4, bits=4), extra=png_chunk(b"tRNS", struct.pack(">H", 0))))
grey.save(path("png_grey_trns.png"), transparency=int(grey_u8[3, 3]))
cat.save(path("png_rgb_trns.png"), transparency=tuple(int(v) for v in cat_u8[5, 7]))
Image.fromarray(np.dstack([grey_u8, alpha_u8]), "LA").save(path("png_la.png"))
write("png_rgb_interlaced.png", png_file(W, H, 8, 2, lambda x0, dx, y0, dy: [row.tobytes() for row in cat_u8[y0::dy, x0::dx]],
                                         interlaced=True))
cat.save(path("png_exif_rotated.png"), exif=exif_with_orientation(6))
raw_profile = PngImagePlugin.PngInfo()
hex_exif = (b"Exif\0\0" + exif_with_orientation(8)).hex()
raw_profile.add_text("Raw profile type exif", "\nexif\n" + f"{len(hex_exif) // 2:8d}\n" +
                     "\n".join(hex_exif[i:i + 72] for i in range(0, len(hex_exif), 72)) + "\n", zip=True)
cat.save(path("png_raw_profile_rotated.png"), pnginfo=raw_profile)
xmp_info = PngImagePlugin.PngInfo()
xmp_info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                  '<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="3"/></rdf:RDF></x:xmpmeta>')
cat.save(path("png_xmp_rotated.png"), pnginfo=xmp_info)

# --- WebP ----------------------------------------------------------------------------------------------------------
cat.save(path("webp_lossy.webp"), quality=80)
cat.save(path("webp_lossless.webp"), lossless=True)
cat_rgba.save(path("webp_lossy_alpha.webp"), quality=80)
cat_rgba.save(path("webp_lossless_alpha.webp"), lossless=True)
cat.save(path("webp_animated.webp"), save_all=True, append_images=[cup, cat.transpose(Image.Transpose.ROTATE_180)], duration=100,
         quality=80)
cat_rgba.save(path("webp_animated_alpha.webp"), save_all=True, append_images=[cup.convert("RGBA")], duration=100, lossless=True)
cup.save(path("webp_exif_rotated.webp"), quality=85, exif=exif_with_orientation(6))

# --- GIF -----------------------------------------------------------------------------------------------------------
gif_palette = cat.convert("P", palette=Image.ADAPTIVE, colors=64)
gif_palette.save(path("gif_interlaced.gif"))  # Pillow interlaces GIFs of 16 rows or more
gif_palette.save(path("gif_progressive_rows.gif"), interlace=False)
gif_palette.save(path("gif_transparent.gif"), transparency=int(np.array(gif_palette)[10, 10]))
grey.save(path("gif_grey.gif"), optimize=False)  # the identity grey palette: Pillow reads it as L
gif_palette.save(path("gif_animated.gif"), save_all=True, append_images=[cup.convert("P", palette=Image.ADAPTIVE, colors=64)],
                 duration=100)


def gif_blocks(data):
    """Offsets in a Pillow GIF: (global table size, position of the image descriptor)."""
    flags = data[10]
    table = 3 << ((flags & 7) + 1) if flags & 0x80 else 0
    at = 13 + table
    while data[at] == 0x21:  # extensions
        at += 2
        while data[at]:
            at += data[at] + 1
        at += 1
    assert data[at] == 0x2C
    return table, at


def gif_local_palette(data):
    """The global colour table moved behind the image descriptor (a local table)."""
    table, at = gif_blocks(data)
    flags = data[10]
    header = data[:10] + bytes([flags & 0x70]) + data[11:13]
    descriptor = bytearray(data[at:at + 10])
    descriptor[9] = (descriptor[9] & 0x40) | 0x80 | (flags & 7)
    return header + data[13 + table:at] + bytes(descriptor) + data[13:13 + table] + data[at + 10:]


def gif_moved_frame(data, screen, offset):
    """The logical screen resized and the first frame moved to `offset`."""
    _, at = gif_blocks(data)
    out = bytearray(data)
    out[6:10] = struct.pack("<HH", *screen)
    out[at + 1:at + 5] = struct.pack("<HH", *offset)
    return bytes(out)


plain_gif = open(path("gif_progressive_rows.gif"), "rb").read()
write("gif_local_palette.gif", gif_local_palette(plain_gif))
transparent_gif = open(path("gif_transparent.gif"), "rb").read()
write("gif_offset_frame_transparent.gif", gif_moved_frame(transparent_gif, (W + 9, H + 5), (6, 3)))
write("gif_offset_frame.gif", gif_moved_frame(plain_gif, (W + 9, H + 5), (6, 3)))
write("gif_frame_beyond_screen.gif", gif_moved_frame(plain_gif, (W - 10, H - 8), (4, 2)))


# --- BMP -----------------------------------------------------------------------------------------------------------
def bmp_file(width, height, bits, rows, palette=b"", compression=0, header=40, masks=None, top_down=False, colors=0):
    """A BMP from stored rows (bottom-up unless top_down; each padded to 4 bytes by the caller's `rows` bytes)."""
    pixels = rows
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", header, width, -height if top_down else height, 1, bits, compression, len(pixels),
                           2835, 2835, colors, 0)
        if header > 40:
            info += struct.pack("<IIII", *(masks or (0, 0, 0, 0)))
            info += b"\0" * (header - len(info))
        elif masks:
            palette = struct.pack("<III", *masks[:3]) + palette
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels


def padded(row_bytes):
    return row_bytes + b"\0" * ((-len(row_bytes)) % 4)


def bottom_up(rows):
    return b"".join(padded(r) for r in reversed(rows))


cat.save(path("bmp_24.bmp"))
cat_rgba.save(path("bmp_32.bmp"))  # 32-bit BGRA without bit fields: Pillow reads it as RGB (BGRX)
palette_image.save(path("bmp_8_palette.bmp"))
grey.save(path("bmp_8_grey.bmp"))
grey.convert("1").save(path("bmp_1.bmp"))
bgra = np.dstack([cat_u8[:, :, 2], cat_u8[:, :, 1], cat_u8[:, :, 0], alpha_u8])
write("bmp_32_alpha_bitfields.bmp", bmp_file(W, H, 32, bottom_up([r.tobytes() for r in bgra]), compression=3, header=124,
                                             masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)))
p16 = cat.convert("P", palette=Image.ADAPTIVE, colors=16)
p16_palette = bytes(np.array(p16.getpalette()[:48], np.uint8).reshape(16, 3)[:, ::-1].tobytes())
p16_palette = b"".join(p16_palette[i:i + 3] + b"\0" for i in range(0, 48, 3))
p16_u8 = np.array(p16)
write("bmp_4_palette.bmp", bmp_file(W, H, 4, bottom_up(sample_rows(p16_u8, bits=4)(0, 1, 0, 1)), palette=p16_palette))
p40_palette = bytes(np.array(palette_image.getpalette()[:120], np.uint8).reshape(40, 3)[:, ::-1].tobytes())
p40_bgrx = b"".join(p40_palette[i:i + 3] + b"\0" for i in range(0, 120, 3))
p40_u8 = np.array(palette_image)


def rle8(indices):
    """RLE8 of rows (bottom-up) with encoded runs, absolute runs, a delta and end-of-line / end-of-bitmap codes."""
    out = bytearray()
    rows = list(reversed(indices.tolist()))
    for y, row in enumerate(rows):
        x = 0
        if y == 2:  # a delta: skip 3 pixels right (Pillow fills them with index 0)
            out += bytes([0, 2, 3, 0])
            x = 3
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 2 or len(row) - x < 3:
                out += bytes([run, row[x]])
                x += run
            else:
                count = min(len(row) - x, 9)
                out += bytes([0, count]) + bytes(row[x:x + count]) + (b"\0" if count % 2 else b"")
                x += count
        out += bytes([0, 0])
    return bytes(out[:-2] + bytes([0, 1]))


def rle4(indices):
    out = bytearray()
    for row in reversed(indices.tolist()):
        x = 0
        while x < len(row):
            if x + 1 < len(row) and row[x] == row[x + 1]:
                run = 2
                while x + run < len(row) and row[x + run] == row[x] and run < 255:
                    run += 1
                out += bytes([run, row[x] << 4 | row[x]])
                x += run
            elif len(row) - x >= 3:
                count = min(len(row) - x, 7)
                values = row[x:x + count] + [0]
                packed = bytes(values[i] << 4 | values[i + 1] for i in range(0, count, 2))
                out += bytes([0, count]) + packed + (b"\0" if len(packed) % 2 else b"")
                x += count
            else:
                out += bytes([1, row[x] << 4])
                x += 1
        out += bytes([0, 0])
    return bytes(out[:-2] + bytes([0, 1]))


write("bmp_rle8.bmp", bmp_file(W, H, 8, rle8(p40_u8), palette=p40_bgrx, compression=1, colors=40))
write("bmp_rle4.bmp", bmp_file(W, H, 4, rle4(p16_u8), palette=p16_palette, compression=2, colors=16))
c5 = cat_u8.astype(np.uint32) >> 3
write("bmp_16_555.bmp", bmp_file(W, H, 16, bottom_up([r.astype("<u2").tobytes() for r in (c5[:, :, 0] << 10 | c5[:, :, 1] << 5 | c5[:, :, 2])])))
g6 = cat_u8[:, :, 1].astype(np.uint32) >> 2
write("bmp_16_565.bmp", bmp_file(W, H, 16, bottom_up([r.astype("<u2").tobytes() for r in (c5[:, :, 0] << 11 | g6 << 5 | c5[:, :, 2])]),
                                 compression=3, masks=(0xF800, 0x7E0, 0x1F)))
bgr = cat_u8[:, :, ::-1]
write("bmp_24_top_down.bmp", bmp_file(W, H, 24, b"".join(padded(r.tobytes()) for r in bgr), top_down=True))
write("bmp_core_8.bmp", bmp_file(W, H, 8, bottom_up([r.tobytes() for r in p40_u8]), header=12,
                                 palette=p40_palette + b"\0" * 3 * 216))


# --- TIFF ----------------------------------------------------------------------------------------------------------
cat.save(path("tiff_rgb.tif"))
cat.save(path("tiff_rgb_lzw.tif"), compression="tiff_lzw")
cat.save(path("tiff_rgb_deflate_predictor.tif"), compression="tiff_adobe_deflate", tiffinfo={317: 2})
cat.save(path("tiff_rgb_packbits.tif"), compression="packbits")
cat.save(path("tiff_rgb_jpeg.tif"), compression="jpeg", quality=90)
cat.save(path("tiff_rgb_rotated.tif"), compression="tiff_lzw", tiffinfo={274: 6})
grey.save(path("tiff_grey_lzw.tif"), compression="tiff_lzw")
Image.fromarray(grey16.astype(np.uint16)).save(path("tiff_grey16.tif"))
Image.fromarray(grey16.astype(np.uint16)).save(path("tiff_grey16_deflate.tif"), compression="tiff_adobe_deflate")
cat_rgba.save(path("tiff_rgba_lzw.tif"), compression="tiff_lzw")
palette_image.save(path("tiff_palette_lzw.tif"), compression="tiff_lzw")
cat.convert("CMYK").save(path("tiff_cmyk.tif"), compression="tiff_lzw")
grey.convert("1").save(path("tiff_bilevel_group4.tif"), compression="group4")
variant("tiff-ycbcr", cat.tobytes(), cat.size, "tiff_ycbcr_jpeg.tif")


def tiff_file(width, height, entries, blocks, big_endian=False):
    """A TIFF with one IFD: `entries` (tag, type, values) with the data block offsets (tag 273 or 324) and byte counts
    (279 or 325) filled in from `blocks`."""
    e = ">" if big_endian else "<"
    sizes = {1: 1, 2: 1, 3: 2, 4: 4}
    formats = {1: "B", 2: "B", 3: "H", 4: "I"}
    offsets_tag = 324 if any(tag == 322 for tag, _, _ in entries) else 273
    entries = entries + [(offsets_tag, 4, [0] * len(blocks)), (offsets_tag + 6 if offsets_tag == 273 else 325, 4, [len(b) for b in blocks])]
    entries.sort()
    ifd_size = 2 + 12 * len(entries) + 4
    data_at = 8 + ifd_size
    extra, data = {}, b""
    for tag, kind, values in entries:  # out-of-line values first
        if len(values) * sizes[kind] > 4:
            extra[tag] = data_at + len(data)
            data += struct.pack(e + formats[kind] * len(values), *values)
            data += b"\0" * (len(data) % 2)
    block_at = data_at + len(data)
    positions = []
    for block in blocks:
        positions.append(block_at)
        block_at += len(block)
    ifd = struct.pack(e + "H", len(entries))
    for tag, kind, values in entries:
        if tag == offsets_tag:
            values = positions
            if len(values) * sizes[kind] > 4:
                data = data[:extra[tag] - data_at] + struct.pack(e + "I" * len(values), *values) + data[extra[tag] - data_at + 4 * len(values):]
        if tag in extra:
            field = struct.pack(e + "I", extra[tag])
        else:
            field = struct.pack(e + formats[kind] * len(values), *values).ljust(4, b"\0")
        ifd += struct.pack(e + "HHI", tag, kind, len(values)) + field
    ifd += struct.pack(e + "I", 0)
    head = (b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", 8)
    return head + ifd + data + b"".join(blocks)


def basic_tags(width, height, bits, samples, photometric, compression=1, extra=()):
    tags = [(256, 3, [width]), (257, 3, [height]), (258, 3, [bits] * samples), (259, 3, [compression]), (262, 3, [photometric]),
            (277, 3, [samples]), (278, 3, [height])]
    return tags + list(extra)


write("tiff_grey16_big_endian.tif", tiff_file(W, H, basic_tags(W, H, 16, 1, 1), [grey16.astype(">u2").tobytes()], big_endian=True))
rgb16_le = rgb16.astype("<u2")
write("tiff_rgb16.tif", tiff_file(W, H, basic_tags(W, H, 16, 3, 2), [rgb16_le.tobytes()]))
write("tiff_min_is_white.tif", tiff_file(W, H, basic_tags(W, H, 8, 1, 0), [(255 - grey_u8).tobytes()]))
premultiplied = np.dstack([(cat_u8.astype(np.uint32) * alpha_u8[:, :, None] // 255).astype(np.uint8), alpha_u8])
write("tiff_rgba_premultiplied.tif", tiff_file(W, H, basic_tags(W, H, 8, 4, 2, extra=[(338, 3, [1])]), [premultiplied.tobytes()]))
write("tiff_rgb_planar.tif", tiff_file(W, H, basic_tags(W, H, 8, 3, 2, extra=[(284, 3, [2])]),
                                       [cat_u8[:, :, c].tobytes() for c in range(3)]))
tile = 16
tiles = []
for ty in range(0, H, tile):
    for tx in range(0, W, tile):
        block = np.zeros((tile, tile, 3), np.uint8)
        part = cat_u8[ty:ty + tile, tx:tx + tile]
        block[:part.shape[0], :part.shape[1]] = part
        tiles.append(zlib.compress(block.tobytes()))
tiled_tags = [(256, 3, [W]), (257, 3, [H]), (258, 3, [8, 8, 8]), (259, 3, [8]), (262, 3, [2]), (277, 3, [3]), (322, 3, [tile]),
              (323, 3, [tile])]
write("tiff_rgb_tiled_deflate.tif", tiff_file(W, H, tiled_tags, tiles, big_endian=True))


# --- broken files ----------------------------------------------------------------------------------------------------
def truncate(source, fraction, name):
    data = open(path(source), "rb").read()
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(data[: int(len(data) * fraction)])


def patched(source, name, offset, value):
    data = bytearray(open(path(source), "rb").read())
    data[offset:offset + len(value)] = value
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(bytes(data))


truncate("jpeg_cmyk.jpg", 0.6, "truncated_cmyk.jpg")
truncate("png_grey16.png", 0.5, "truncated_grey16.png")
truncate("webp_lossy.webp", 0.6, "truncated.webp")
truncate("webp_lossless_alpha.webp", 0.6, "truncated_lossless.webp")
truncate("gif_interlaced.gif", 0.5, "truncated.gif")
truncate("bmp_24.bmp", 0.5, "truncated.bmp")
truncate("bmp_rle8.bmp", 0.5, "truncated_rle8.bmp")
truncate("tiff_rgb_tiled_deflate.tif", 0.7, "truncated_tiles.tif")  # libtiff writes its IFD last: cut a file written here
truncate("tiff_rgb.tif", 0.5, "truncated.tif")
patched("webp_lossless.webp", "bad_header.webp", 12, b"VP9Z")
patched("gif_interlaced.gif", "huge.gif", 6, struct.pack("<HH", 60000, 60000))
patched("bmp_24.bmp", "huge.bmp", 18, struct.pack("<ii", 200000, 200000))
patched("bmp_24.bmp", "bad_depth.bmp", 28, struct.pack("<H", 7))
patched("bmp_24.bmp", "bad_header_size.bmp", 14, struct.pack("<I", 99))
patched("tiff_rgb.tif", "bad_ifd_offset.tif", 4, struct.pack("<I", 0x7FFFFFF0))
write("bad/huge.tif", tiff_file(60000, 60000, basic_tags(60000, 60000, 8, 1, 1), [b"\0" * 64]))
write("bad/float.tif", tiff_file(W, H, basic_tags(W, H, 32, 1, 1, extra=[(339, 3, [3])]), [np.zeros((H, W), "<f4").tobytes()]))
write("bad/huge.webp", b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8L" + struct.pack("<I", 10) + b"\x2f" +
      struct.pack("<I", (16383 | 16383 << 14)) + b"\0" * 5)


# --- what Pillow and transformers make of them ------------------------------------------------------------------------
clip = CLIPImageProcessorPil(size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})


def u8(array):
    return torch.from_numpy(np.ascontiguousarray(array)).to(torch.uint8)


def processed(image):
    result = clip(image, do_rescale=False, do_normalize=False, return_tensors="np")["pixel_values"][0]
    return u8(result.transpose(1, 2, 0))


def has_transparency(image):
    return "A" in image.getbands() or image.info.get("transparency") is not None


expected, kinds = {}, {}
pixel_value_kinds = ["jpeg_cmyk.jpg", "png_grey16.png", "webp_lossy_alpha.webp", "gif_transparent.gif", "bmp_rle8.bmp",
                     "tiff_rgb16.tif"]
for name in sorted(os.listdir(OUT)):
    if not os.path.isfile(path(name)) or name.endswith(".safetensors"):
        continue
    opened = Image.open(path(name))
    kinds[name] = f"{opened.format} {opened.mode}"
    transposed = ImageOps.exif_transpose(opened)
    rgb = transposed.convert("RGB")
    expected[f"{name}.drop"] = u8(np.array(rgb))
    expected[f"{name}.clip.drop"] = processed(rgb)
    if has_transparency(transposed):
        expected[f"{name}.white"] = u8(convert_to_rgb(transposed, return_numpy=True))
        expected[f"{name}.clip.white"] = processed(transposed)
    if transposed.mode in ("I;16", "I;16B"):
        expected[f"{name}.scale"] = u8(np.array(transposed).astype(np.uint32) >> 8)
    if name in pixel_value_kinds:
        expected[f"{name}.clip.pixel_values"] = torch.from_numpy(clip(rgb, return_tensors="np")["pixel_values"])

for name in sorted(os.listdir(BAD)):  # Pillow must refuse every broken file too (32-bit float grey: it reads, VLBlocks not)
    if name == "float.tif":
        continue
    try:
        Image.open(os.path.join(BAD, name)).convert("RGB")
        raise SystemExit(f"Pillow decoded bad/{name}")
    except SystemExit:
        raise
    except Exception as error:
        kinds[f"bad/{name}"] = f"Pillow: {type(error).__name__}: {str(error)[:60]}"

save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(OUT, "expected.safetensors"),
          metadata={k: str(v) for k, v in {**versions(), "pillow": PIL.__version__}.items()})
for name, kind in kinds.items():
    print(f"{name:40s} {kind}")
total = sum(os.path.getsize(os.path.join(folder, f)) for folder in (OUT, BAD) for f in os.listdir(folder)
            if os.path.isfile(os.path.join(folder, f)))
print(f"wrote {len(expected)} expected tensors; {total // 1024} KiB in formats/")
