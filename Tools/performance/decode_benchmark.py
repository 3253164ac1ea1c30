"""Image decoding against Pillow, per format, on this machine, alternating in one run; prints ratios (Pillow time /
VLBlocks time, above 1 means VLBlocks is faster) and checks that both decode the same pixels.

Both sides decode bytes already in memory to RGB, one file at a time, on one thread: Pillow 13's
`ImageOps.exif_transpose(Image.open(BytesIO(data))).convert("RGB")` (what transformers' pipelines do, with the
image loaded) against `vlblocks bench decode` (RGBImage(encoded:)). Each file is timed as the fastest of --runs
decodes (the machine is shared: the fastest run is the least disturbed) in each of --rounds rounds, which alternate
the two sides; the table shows the fastest round. The images are the repository's public-domain photographs
(Tests/Fixtures/images: rocket, chelsea, coffee) upscaled to 1600 x 1066 (Lanczos) and saved by Pillow in each kind;
a second set (--parity) saves them at several sizes and qualities, only to compare the decoded pixels of the lossy
formats, where Pillow's wheel bundles its own libjpeg-turbo and libwebp.

Usage (repository root, after `swift build -c release --product vlblocks`):
    /tmp/vlpeers/bin/python Tools/performance/decode_benchmark.py [--runs 5] [--rounds 2] [--parity]
Pinned: pillow 13.0.0.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import PIL
from PIL import Image, ImageOps, features

p = argparse.ArgumentParser()
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--runs", type=int, default=5)
p.add_argument("--rounds", type=int, default=2)
p.add_argument("--parity", action="store_true", help="also compare pixels on 72 lossy files of several sizes and qualities")
a = p.parse_args()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PHOTOS = os.path.join(ROOT, "Tests", "Fixtures", "images")
folder = tempfile.mkdtemp(prefix="vlblocks-decode-")


def photo(name, size):
    image = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
    image.info.clear()
    return image.resize(size, Image.LANCZOS)


big = photo("rocket.jpg", (1600, 1066))
alpha = Image.fromarray(np.tile(np.linspace(0, 255, big.width).astype(np.uint8), (big.height, 1)))
rgba = big.copy()
rgba.putalpha(alpha)
grey16 = Image.fromarray((np.array(big.convert("L")).astype(np.uint16) * 257))
KINDS = {  # name: (image, save arguments)
    "jpeg.jpg": (big, dict(quality=90)),
    "jpeg_progressive.jpg": (big, dict(quality=90, progressive=True)),
    "jpeg_grey.jpg": (big.convert("L"), dict(quality=90)),
    "jpeg_cmyk.jpg": (big.convert("CMYK"), dict(quality=90)),
    "png_rgb.png": (big, {}),
    "png_rgba.png": (rgba, {}),
    "png_palette.png": (big.convert("P", palette=Image.ADAPTIVE, colors=256), {}),
    "png_grey16.png": (grey16, {}),
    "webp_lossy.webp": (big, dict(quality=80)),
    "webp_lossy_alpha.webp": (rgba, dict(quality=80)),
    "webp_lossless.webp": (big, dict(lossless=True)),
    "gif.gif": (big.convert("P", palette=Image.ADAPTIVE, colors=256), {}),
    "bmp_24.bmp": (big, {}),
    "bmp_8.bmp": (big.convert("P", palette=Image.ADAPTIVE, colors=256), {}),
    "tiff_raw.tif": (big, {}),
    "tiff_lzw.tif": (big, dict(compression="tiff_lzw")),
    "tiff_deflate.tif": (big, dict(compression="tiff_adobe_deflate")),
}
files = []
for name, (image, arguments) in KINDS.items():
    image.save(os.path.join(folder, name), **arguments)
    files.append(os.path.join(folder, name))


def pillow_decode(data):
    return ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")


def pillow_times(paths, runs):
    times = {}
    for path in paths:
        data = open(path, "rb").read()
        pillow_decode(data)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            pillow_decode(data)
            samples.append((time.perf_counter() - start) * 1000)
        times[path] = float(np.min(samples))
    return times


def vlblocks_times(paths, runs, save=None):
    command = [a.vlblocks, "bench", "decode", *paths, "--runs", str(runs), "--json"] + (["--save-png", save] if save else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {row["file"]: row["min_ms"] for row in map(json.loads, out.splitlines())}


def compare(paths, label):
    """Pixels of both decoders for every file: the number of differing samples and the largest difference."""
    saved = tempfile.mkdtemp(dir=folder)
    vlblocks_times(paths, 1, save=saved)
    report = []
    for path in paths:
        ours = np.array(Image.open(os.path.join(saved, os.path.basename(path) + ".png")).convert("RGB")).astype(int)
        theirs = np.array(pillow_decode(open(path, "rb").read())).astype(int)
        assert ours.shape == theirs.shape, (path, ours.shape, theirs.shape)
        difference = np.abs(ours - theirs)
        report.append((os.path.basename(path), int((difference > 0).sum()), int(difference.max()), difference.size))
    differing = [r for r in report if r[1]]
    print(f"{label}: {len(report) - len(differing)} of {len(report)} files decode to identical pixels")
    for name, count, worst, size in differing:
        print(f"  {name}: {count} of {size} samples differ, by up to {worst}")
    return report


print(f"Pillow {PIL.__version__} (wheel libjpeg-turbo {features.version('libjpeg_turbo')}, libwebp {features.version('webp')}, "
      f"libtiff {features.version('libtiff')}); VLBlocks: the system's libraries")
compare(files, "benchmark set")
if a.parity:
    lossy = []
    for source in ["rocket.jpg", "chelsea.png", "coffee.jpg"]:
        for size in [(640, 427), (1023, 767), (1600, 1066), (333, 2001)]:
            image = photo(source, size)
            for quality in [50, 75, 95]:
                for ext, arguments in [("jpg", dict(quality=quality, subsampling=0 if quality == 95 else -1)),
                                       ("webp", dict(quality=quality))]:
                    name = os.path.join(folder, f"parity_{source.split('.')[0]}_{size[0]}x{size[1]}_q{quality}.{ext}")
                    image.save(name, **arguments)
                    lossy.append(name)
    compare(lossy, "parity set (JPEG and WebP, 3 photos x 4 sizes x 3 qualities)")

pillow, ours = {f: [] for f in files}, {f: [] for f in files}
for round in range(a.rounds):
    for path, ms in vlblocks_times(files, a.runs).items():
        ours[path].append(ms)
    for path, ms in pillow_times(files, a.runs).items():
        pillow[path].append(ms)
print(f"\nms per decode (fastest of {a.rounds} rounds x {a.runs} runs), 1600 x 1066 pixels:")
print(f"{'file':24s} {'Pillow':>9s} {'VLBlocks':>9s} {'ratio':>6s}")
for path in files:
    theirs, mine = min(pillow[path]), min(ours[path])
    print(f"{os.path.basename(path):24s} {theirs:9.2f} {mine:9.2f} {theirs / mine:6.2f}")
