"""Times `vlblocks embed` against the PyTorch pipeline (`../shared/peers/embed.py`: PIL decode, the transformers image
processor, the model, L2 normalisation) on the same folder of images, same batch and threads, alternating in one run.

Usage (repository root, after `swift build -c release --product vlblocks`):
    /tmp/vlpeers/bin/python Tools/performance/embed_benchmark.py --peers ../shared/peers [--images 256] [--rounds 2]
        [--model clip-b16|dinov2-b14|siglip-b16] [--threads 2] [--batch 8]
Builds, in a temporary folder: a checkpoint of the real size with random weights (transformers `save_pretrained`, with
the image processor's `preprocessor_config.json`), and photo-like images (smooth gradients, shapes and mild noise;
JPEG and PNG, 480 x 360 to 1024 x 768). Both sides' rates exclude loading the model; the peer also leaves its first
batch out of the time, VLBlocks does not. Pinned: torch 2.15.0, transformers 5.23.0, pillow 13.0.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw

p = argparse.ArgumentParser()
p.add_argument("--peers", default="../shared/peers")
p.add_argument("--python", default=sys.executable)
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--images", type=int, default=256)
p.add_argument("--model", default="clip-b16", choices=["clip-b16", "dinov2-b14", "siglip-b16"])
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--rounds", type=int, default=2)
a = p.parse_args()

import torch
import transformers as T

folder = tempfile.mkdtemp(prefix="vlblocks-embed-")
checkpoint, images = os.path.join(folder, a.model), os.path.join(folder, "images")
os.makedirs(images)
torch.manual_seed(0)
if a.model == "clip-b16":
    config = T.CLIPConfig(vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                                             patch_size=16, image_size=224, hidden_act="quick_gelu"),
                          text_config=dict(hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8),
                          projection_dim=512)
    T.CLIPModel(config).eval().save_pretrained(checkpoint)
    T.CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}).save_pretrained(checkpoint)
elif a.model == "dinov2-b14":
    T.Dinov2Model(T.Dinov2Config(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, patch_size=14, image_size=518)
                  ).eval().save_pretrained(checkpoint)
    T.BitImageProcessor(size={"shortest_edge": 256}, crop_size={"height": 224, "width": 224}, do_convert_rgb=True,
                        image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225]).save_pretrained(checkpoint)
else:
    T.SiglipVisionModel(T.SiglipVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                                             patch_size=16, image_size=224)).eval().save_pretrained(checkpoint)
    T.SiglipImageProcessor(size={"height": 224, "width": 224}).save_pretrained(checkpoint)

rng = np.random.default_rng(0)
sizes = [(480, 360), (640, 480), (800, 600), (1024, 768), (600, 800)]
for k in range(a.images):
    w, h = sizes[k % len(sizes)]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([(x / w) * rng.uniform(80, 255), (y / h) * rng.uniform(80, 255), np.full_like(x, rng.uniform(0, 255))], -1)
    image = Image.fromarray(np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
        draw.ellipse([x0, y0, x0 + int(rng.integers(20, w // 2)), y0 + int(rng.integers(20, h // 2))],
                     fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    if k % 4 == 3:
        image.save(os.path.join(images, f"img_{k:05d}.png"))
    else:
        image.save(os.path.join(images, f"img_{k:05d}.jpg"), quality=90)

peer_rates, our_rates = [], []
for _ in range(a.rounds):
    out = subprocess.run([a.python, os.path.join(a.peers, "embed.py"), "--checkpoint", checkpoint, "--images", images,
                          "--batch", str(a.batch), "--threads", str(a.threads)], check=True, capture_output=True, text=True).stdout
    peer_rates.append(json.loads(out.strip().splitlines()[-1])["images_per_s"])
    run = subprocess.run([a.vlblocks, "embed", "--checkpoint", checkpoint, "--images", images, "--batch", str(a.batch),
                          "--threads", str(a.threads), "--output", os.path.join(folder, "out.safetensors")],
                         check=True, capture_output=True, text=True)
    our_rates.append(float(re.search(r"\(([0-9.]+) images/s", run.stderr).group(1)))
    print(json.dumps({"round": len(our_rates), "peer_images_per_s": peer_rates[-1], "vlblocks_images_per_s": our_rates[-1]}),
          flush=True)
print(json.dumps({"model": a.model, "images": a.images, "batch": a.batch, "threads": a.threads,
                  "peer_best": max(peer_rates), "vlblocks_best": max(our_rates), "ratio": round(max(our_rates) / max(peer_rates), 3)}))
