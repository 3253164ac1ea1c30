"""Fixtures for CLIP-blind pair mining: embedding files as `vlblocks embed` writes them, with planted pairs, and the
pairs a straightforward reference finds (every pair i < j, cosines as fp32 dot products, the two thresholds).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_pairs_fixtures.py
Writes Tests/Fixtures/pairs/{clip-0.safetensors, clip-1.safetensors (two shards), dino.safetensors, expected.csv}.
"""
import csv
import json
import os

import numpy as np
from safetensors.numpy import save_file

from common import FIXTURES

rng = np.random.default_rng(7)
N, DC, DD = 300, 64, 48
CLIP_MIN, DINO_MAX = 0.95, 0.6


def normalize(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


clip = rng.standard_normal((N, DC)).astype(np.float32)
dino = rng.standard_normal((N, DD)).astype(np.float32)
# Blind pairs: CLIP nearly the same, DINOv2 unrelated. Near-duplicates: alike in both (not blind).
for k in range(24):
    i, j = rng.choice(N, 2, replace=False)
    clip[j] = clip[i] + 0.1 * rng.standard_normal(DC)
    if k % 3 == 2:
        dino[j] = dino[i] + 0.1 * rng.standard_normal(DD)
clip, dino = normalize(clip), normalize(dino)
images = [f"collection/{k // 100}/img_{k:04d}.png" for k in range(N)]


def write(name, embeddings, names, embedding):
    meta = {"images": json.dumps(names, separators=(",", ":")), "embedding": embedding, "checkpoint": "fixture",
            "failed": "[]"}
    save_file({"embeddings": np.ascontiguousarray(embeddings)}, os.path.join(FIXTURES, "pairs", name), metadata=meta)


os.makedirs(os.path.join(FIXTURES, "pairs"), exist_ok=True)
write("clip-0.safetensors", clip[:120], images[:120], "clip.image_embeds")
write("clip-1.safetensors", clip[120:], images[120:], "clip.image_embeds")
write("dino.safetensors", dino, images, "dinov2.cls")

rows = []
for i in range(N):
    for j in range(i + 1, N):
        c = np.float32(np.dot(clip[i], clip[j]))
        d = np.float32(np.dot(dino[i], dino[j]))
        if c > CLIP_MIN and d < DINO_MAX:
            rows.append((i, j, float(c), float(d)))
rows.sort(key=lambda r: (-r[2], r[3], r[0], r[1]))
with open(os.path.join(FIXTURES, "pairs", "expected.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["image_a", "image_b", "clip_cosine", "dino_cosine"])
    for i, j, c, d in rows:
        w.writerow([images[i], images[j], f"{c:.9f}", f"{d:.9f}"])
print(f"wrote pairs/: {N} images, {len(rows)} CLIP-blind pairs")
