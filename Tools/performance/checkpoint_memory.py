"""Peak resident memory of `vlblocks encode --image` on a real-size checkpoint, against its weight bytes.

Writes a CLIP ViT-L/14-336 vision tower (`CLIPVisionModel`, random weights, fp32 safetensors, 1.21 GB) with
transformers unless --checkpoint names a folder, then runs `vlblocks encode` on one image, with packed weights (the
release default), without (`VLBLOCKS_PACKED_WEIGHTS=0`) and quantised (`--precision int8`), each in its own process,
and reads each child's peak resident set from wait4(). MB = 10^6 bytes.

Usage (repository root, after `swift build -c release --product vlblocks`):
    /tmp/vlpeers/bin/python Tools/performance/checkpoint_memory.py [--checkpoint DIR] [--vlblocks PATH]
Pinned: torch 2.15, transformers 5.23.0.
"""
import argparse
import os
import subprocess
import tempfile

p = argparse.ArgumentParser()
p.add_argument("--checkpoint")
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--image", default="Tests/Fixtures/images/coffee.jpg")
a = p.parse_args()

folder = a.checkpoint
if folder is None:
    import torch
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    folder = tempfile.mkdtemp(prefix="vlblocks-vitl336-")
    config = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                              image_size=336, patch_size=14, hidden_act="quick_gelu")
    torch.manual_seed(0)
    CLIPVisionModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336}).save_pretrained(folder)

weights = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".safetensors"))
print(f"checkpoint {folder}: {weights / 1e6:.1f} MB of safetensors")
output = os.path.join(tempfile.mkdtemp(prefix="vlblocks-memory-"), "out.safetensors")
for label, packed, precision in [("packed weights (release default)", "1", "fp32"), ("plain weights", "0", "fp32"),
                                 ("int8 weights (--precision int8)", "1", "int8")]:
    child = subprocess.Popen([a.vlblocks, "encode", "--checkpoint", folder, "--image", a.image, "--output", output,
                              "--precision", precision], env={**os.environ, "VLBLOCKS_PACKED_WEIGHTS": packed})
    _, status, usage = os.wait4(child.pid, 0)
    assert status == 0, f"vlblocks exited with status {status}"
    peak = usage.ru_maxrss * 1024 / 1e6
    print(f"{label}: peak resident {peak:.1f} MB = weights + {peak - weights / 1e6:.1f} MB ({peak * 1e6 / weights:.2f}x); "
          f"0.35 x weights + {peak - 0.35 * weights / 1e6:.1f} MB")
