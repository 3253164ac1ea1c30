"""Golden traces for `vlblocks trace` / `Tracing`: what Tools/trace/torch_trace.py records (forward hooks on every
named module) from transformers' and the reference modules, on the weights and inputs of existing fixtures.

Regenerate: /tmp/vlref/bin/python Tools/reference/make_trace_fixtures.py     (pinned: requirements.txt)
Writes Tests/Fixtures/traces/<case>.safetensors in the trace layout (one tensor per module path, metadata `order`),
with the metadata `fixture` (the folder of the weights) and `input` (the tensors of that folder's io file that were fed,
first batch element only, to keep the files small).
"""
import json
import os
import sys

import torch
import transformers as T
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from common import FIXTURES, seed_everything

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "trace"))
from torch_trace import connector_model, trace  # noqa: E402

seed_everything(0)
OUT = os.path.join(FIXTURES, "traces")
os.makedirs(OUT, exist_ok=True)


def write(case, recorded, fixture, input_name):
    path = os.path.join(OUT, f"{case}.safetensors")
    save_file(dict(recorded), path, metadata={"order": json.dumps(list(recorded)), "fixture": fixture, "input": input_name})
    print(f"wrote traces/{case}.safetensors ({os.path.getsize(path) / 1024:.1f} KiB, {len(recorded)} modules)")


# Vision towers: transformers' vision model classes on a CLIPVisionModel, a SiglipModel and two DINOv2 folders.
for case, cls, resolution in [("clip_vision", T.CLIPVisionModel, "32x32"), ("siglip_full", T.SiglipVisionModel, "48x48"),
                              ("dinov2_swiglu", T.Dinov2Model, "40x56"),
                              ("dinov2_registers_sharded", T.Dinov2WithRegistersModel, "32x32")]:
    folder = os.path.join(FIXTURES, "encoders", case)
    model = cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    name = f"pixel_values_{resolution}"
    pixels = load_file(os.path.join(folder, "io.safetensors"))[name][:1]
    kwargs = {} if case.startswith("dinov2") else {"interpolate_pos_encoding": True}
    write(case, trace(model, pixel_values=pixels, **kwargs), f"encoders/{case}", name)

# Text towers: CLIPTextModel and SiglipTextModel on the text fixtures' ids (CLIP with its padding mask).
for case, cls in [("clip_text", T.CLIPTextModel), ("siglip_text", T.SiglipTextModel)]:
    folder = os.path.join(FIXTURES, "text", case)
    model = cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    io = {k: v[:1] for k, v in load_file(os.path.join(folder, "io.safetensors")).items()}
    kwargs = {"attention_mask": io["attention_mask"]} if case.startswith("clip") else {}
    write(case, trace(model, input_ids=io["input_ids"], **kwargs), f"text/{case}", "input_ids")

# Connectors and mixtures: the reference modules (Tools/reference) on the connector fixtures' inputs.
for case in ["mlp2x_gelu", "avg_pool_grid_8x6_to_3x3", "attn_pool", "c_abs", "i_mof", "a_mof",
             "qformer_padded", "perceiver_idefics2_padded", "perceiver_flamingo_qk_norms"]:
    folder = os.path.join(FIXTURES, "connectors", case)
    model, kind = connector_model(os.path.join(folder, "config.json"), os.path.join(folder, "weights.safetensors"))
    io = {k: v[:1] for k, v in load_file(os.path.join(folder, "io.safetensors")).items()}
    with safe_open(os.path.join(folder, "io.safetensors"), "pt") as f:
        grid = (f.metadata() or {}).get("grid")
    if kind in ("i-mof", "a-mof"):
        recorded, fed = trace(model, io["clip_features"], io["dino_features"]), "clip_features,dino_features"
    elif kind in ("qformer", "perceiver-idefics2"):
        mask = io.get("attention_mask", torch.ones(io["image_features"].shape[:2]))
        recorded, fed = trace(model, io["image_features"], mask.long()), "image_features,attention_mask"
    elif kind == "avg-pool" and grid:
        h, w = (int(v) for v in grid.split("x"))
        recorded, fed = trace(model, io["image_features"], (h, w)), "image_features"
    else:
        recorded, fed = trace(model, io["image_features"]), "image_features"
    write(case, recorded, f"connectors/{case}", fed)
