"""Image fixtures: real photographs (public domain / CC0, from scikit-image's sample data), edge-case
encodings, and what transformers 5.23's PIL image processors make of them.

Regenerate (needs the scikit-image wheel for the photographs):
    /tmp/vlref/bin/pip download --no-deps -d /tmp/skimg scikit-image && unzip -o /tmp/skimg/*.whl 'skimage/data/*' -d /tmp/skimg
    /tmp/vlref/bin/python Tools/reference/make_image_fixtures.py /tmp/skimg/skimage/data

Photographs: chelsea.png (cat; CC0, Stefan van der Walt), coffee (CC0, Rachel Michetti; re-encoded as
JPEG), rocket.jpg (DSCOVR launch; public domain, SpaceX), astronaut (public domain, NASA; grey crop).
Writes Tests/Fixtures/images/*.{png,jpg} and images/expected.safetensors with, per image and processor
(clip, siglip, dinov2 at size 64), `<image>.<processor>.u8` (the resized + cropped 8-bit image [H, W, 3],
as uint8) and for chelsea at 224 the full CLIP `pixel_values`.
"""
import io
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps
from safetensors.torch import save_file
from transformers.models.bit.image_processing_pil_bit import BitImageProcessorPil
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from common import FIXTURES, versions

data = sys.argv[1]
out = os.path.join(FIXTURES, "images")
os.makedirs(out, exist_ok=True)

# --- the images -----------------------------------------------------------------------------------
Image.open(os.path.join(data, "chelsea.png")).convert("RGB").save(os.path.join(out, "chelsea.png"))
coffee = Image.open(os.path.join(data, "coffee.png")).convert("RGB").resize((300, 200), Image.LANCZOS)
coffee.save(os.path.join(out, "coffee.jpg"), quality=90)  # 4:2:0 YCbCr baseline
with open(os.path.join(data, "rocket.jpg"), "rb") as f, open(os.path.join(out, "rocket.jpg"), "wb") as g:
    g.write(f.read())
Image.open(os.path.join(data, "astronaut.png")).convert("L").crop((100, 40, 260, 200)).save(os.path.join(out, "astronaut_grey.png"))
cat = Image.open(os.path.join(out, "chelsea.png")).crop((150, 50, 330, 170)).convert("RGBA")
alpha = np.tile(np.linspace(0, 255, cat.size[0]).astype(np.uint8), (cat.size[1], 1))
cat.putalpha(Image.fromarray(alpha))
cat.save(os.path.join(out, "chelsea_alpha.png"))
coffee.crop((0, 0, 96, 64)).convert("P", palette=Image.ADAPTIVE, colors=32).save(os.path.join(out, "coffee_palette.png"))
small = coffee.crop((40, 20, 160, 100))
exif = Image.Exif()
exif[0x0112] = 6  # rotate 90 degrees clockwise to display
small.save(os.path.join(out, "coffee_exif_rotate.jpg"), quality=92, exif=exif.tobytes())
small.save(os.path.join(out, "coffee_progressive.jpg"), quality=85, progressive=True)

# --- broken files -----------------------------------------------------------------------------------
bad = os.path.join(out, "bad")
os.makedirs(bad, exist_ok=True)
whole = open(os.path.join(out, "coffee.jpg"), "rb").read()
open(os.path.join(bad, "truncated.jpg"), "wb").write(whole[: len(whole) // 2])
png = open(os.path.join(out, "chelsea_alpha.png"), "rb").read()
open(os.path.join(bad, "truncated.png"), "wb").write(png[: len(png) // 3])
open(os.path.join(bad, "not_an_image.jpg"), "wb").write(b"GIF89a this is not a photograph at all")
open(os.path.join(bad, "empty.png"), "wb").write(b"")


def png_with_header(width, height):
    import struct, zlib
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


open(os.path.join(bad, "huge_dimensions.png"), "wb").write(png_with_header(100000, 100000))
open(os.path.join(bad, "zero_width.png"), "wb").write(png_with_header(0, 10))

# --- expected outputs -------------------------------------------------------------------------------
def processors(size):
    return {
        "clip": CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size}),
        "siglip": SiglipImageProcessorPil(size={"height": size, "width": size}),
        "dinov2": BitImageProcessorPil(size={"shortest_edge": size * 256 // 224}, crop_size={"height": size, "width": size},
                                       image_mean=IMAGENET_DEFAULT_MEAN, image_std=IMAGENET_DEFAULT_STD),
    }


def as_u8(processor, image):
    """The resized + cropped 8-bit image, from the processor's own steps (no rescale/normalize)."""
    result = processor(image, do_rescale=False, do_normalize=False, return_tensors="np")["pixel_values"][0]
    return torch.from_numpy(np.ascontiguousarray(result.transpose(1, 2, 0))).to(torch.uint8)


expected = {}
names = ["chelsea.png", "coffee.jpg", "rocket.jpg", "astronaut_grey.png", "chelsea_alpha.png", "coffee_palette.png",
         "coffee_exif_rotate.jpg", "coffee_progressive.jpg"]
for name in names:
    image = ImageOps.exif_transpose(Image.open(os.path.join(out, name)))
    stem = name.rsplit(".", 1)[0]
    decoded = np.array(image.convert("RGB"))
    if decoded.shape[0] * decoded.shape[1] <= 200 * 200:
        expected[f"{stem}.decoded.u8"] = torch.from_numpy(decoded).to(torch.uint8)
    else:  # large photographs: per-row channel sums (any decoding difference changes them)
        expected[f"{stem}.decoded.rowsums"] = torch.from_numpy(decoded.astype(np.int64).sum(axis=1)).to(torch.int32)
    for family, processor in processors(64).items():
        expected[f"{stem}.{family}.u8"] = as_u8(processor, image)
chelsea = Image.open(os.path.join(out, "chelsea.png"))
# fp16 keeps the file small; its rounding (< 1e-3 here) is far below one 8-bit level (~0.015 after normalising).
expected["chelsea.clip224.pixel_values"] = torch.from_numpy(CLIPImageProcessorPil()(chelsea, return_tensors="np")["pixel_values"]).half()
alpha_image = Image.open(os.path.join(out, "chelsea_alpha.png"))
expected["chelsea_alpha.clip.white.u8"] = as_u8(processors(64)["clip"], alpha_image)  # transformers composites on white
save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(out, "expected.safetensors"),
          metadata={k: str(v) for k, v in {**versions(), "pillow": Image.__version__}.items()})
print("wrote", len(expected), "expected tensors;", sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if "." in f) // 1024, "KiB")
