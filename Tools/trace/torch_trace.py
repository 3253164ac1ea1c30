"""Records every module's output of a PyTorch model with forward hooks, in VLBlocks' trace layout, so that a port can be
compared module by module (`vlblocks diff ours.safetensors theirs.safetensors`).

A trace is a safetensors file: one fp32 tensor per recorded module, named by its `named_modules()` path, and the
metadata `order`, a JSON array of the paths in the order their forward passes finished. What a hook sees is recorded:
the output tensor, or the first tensor of a tuple or `ModelOutput`. A module called more than once keeps its last
output, at the position of its last call. The root module (path "") is not recorded.

From Python, on any module:

    import sys; sys.path.insert(0, "Tools/trace")
    from torch_trace import trace, save
    recorded = trace(model, pixel_values, modules="encoder.layers.3*")   # {path: tensor}, in finishing order
    save(recorded, "theirs.safetensors")

From the command line, on what `vlblocks trace` runs (pinned: torch 2.15.0, transformers 5.23.0, timm 1.0.31):

    python Tools/trace/torch_trace.py --checkpoint DIR --pixels IN.safetensors --output T.safetensors [--modules GLOB]
    python Tools/trace/torch_trace.py --config C.json --weights W.safetensors --input IN.safetensors --output T.safetensors

`--checkpoint`: the vision tower of a CLIP, SigLIP or DINOv2 checkpoint folder as transformers' `CLIPVisionModel`,
`SiglipVisionModel`, `Dinov2Model` or `Dinov2WithRegistersModel` (paths relative to it: `embeddings`,
`encoder.layers.3.mlp`, ...); IN holds `pixel_values`. `--config`: a VLBlocks connector or mixture config with its
weights (the reference modules in Tools/reference); IN holds `image_features` (and `attention_mask`), or
`clip_features` and `dino_features` for a mixture. `--modules`: comma-separated glob patterns; `*` crosses dots.
"""
import argparse
import fnmatch
import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def first_tensor(output):
    """What VLBlocks records of a hook's output: a tensor, or the first tensor in a tuple, list or ModelOutput."""
    if torch.is_tensor(output):
        return output
    if hasattr(output, "to_tuple"):
        output = output.to_tuple()
    if isinstance(output, (tuple, list)):
        for item in output:
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def matches(path, patterns):
    return not patterns or any(fnmatch.fnmatchcase(path, p) for p in patterns)


def trace(model, *args, modules=None, **kwargs):
    """Runs `model(*args, **kwargs)` under no_grad with a forward hook on every named module; returns the recorded
    outputs {path: fp32 tensor} in the order the modules finished (a module's last call decides its place)."""
    patterns = [p.strip() for p in modules.split(",") if p.strip()] if isinstance(modules, str) else (modules or [])
    recorded = {}

    def hook(path):
        def record(module, inputs, output):
            tensor = first_tensor(output)
            if tensor is None:
                return
            recorded.pop(path, None)
            recorded[path] = tensor.detach().to(torch.float32).contiguous().clone()
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in model.named_modules() if name and matches(name, patterns)]
    try:
        with torch.no_grad():
            model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return recorded


def save(recorded, path):
    """Writes a trace: the tensors, and `order` = their paths in finishing order."""
    save_file(dict(recorded), path, metadata={"order": json.dumps(list(recorded))})


def vision_model(folder):
    import transformers as T
    config = json.load(open(os.path.join(folder, "config.json")))
    kind = config.get("model_type", "")
    classes = {"clip": T.CLIPVisionModel, "clip_vision_model": T.CLIPVisionModel, "siglip": T.SiglipVisionModel,
               "siglip_vision_model": T.SiglipVisionModel, "dinov2": T.Dinov2Model,
               "dinov2_with_registers": T.Dinov2WithRegistersModel}
    if kind not in classes:
        raise SystemExit(f"{folder}: model_type '{kind}' is not a CLIP, SigLIP or DINOv2 checkpoint")
    model = classes[kind].from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    return model, kind


def connector_model(config_path, weights_path):
    sys.path.insert(0, os.path.join(HERE, "..", "reference"))
    import connectors_reference
    import learned_query_reference
    c = json.load(open(config_path))
    weights = load_file(weights_path)
    kind = c.get("projector_type")
    if kind in ("qformer", "perceiver-idefics2", "perceiver-flamingo"):
        module = learned_query_reference.build(c)
        weights = {k.removeprefix("model.connector."): v for k, v in weights.items()}
    elif kind == "i-mof":
        module = connectors_reference.IMoF(c, input_tokens(weights))
    elif kind == "a-mof":
        module = connectors_reference.AMoF(c, input_tokens(weights))
    else:
        module = connectors_reference.build(c, input_tokens(weights), pos_rows(weights))
    missing, unexpected = module.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{weights_path}: missing {missing}, unexpected {unexpected}")
    return module.eval(), kind


def input_tokens(weights):
    """The C-Abstractor's position table fixes its token count; other connectors do not need it."""
    for name, tensor in weights.items():
        if name.endswith("pos_emb"):
            return tensor.shape[1]
    return None


def pos_rows(weights):
    return input_tokens(weights)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint")
    p.add_argument("--pixels")
    p.add_argument("--config")
    p.add_argument("--weights")
    p.add_argument("--input")
    p.add_argument("--output", required=True)
    p.add_argument("--modules")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.checkpoint:
        model, kind = vision_model(a.checkpoint)
        pixels = load_file(a.pixels)["pixel_values"].float()
        kwargs = {} if kind.startswith("dinov2") else {"interpolate_pos_encoding": True}
        recorded = trace(model, pixel_values=pixels, modules=a.modules, **kwargs)
    elif a.config:
        model, kind = connector_model(a.config, a.weights)
        inputs = load_file(a.input)
        with safe_open(a.input, "pt") as f:
            grid = (f.metadata() or {}).get("grid")
        if kind in ("i-mof", "a-mof"):
            recorded = trace(model, inputs["clip_features"].float(), inputs["dino_features"].float(), modules=a.modules)
        elif "attention_mask" in inputs and kind != "perceiver-flamingo":
            recorded = trace(model, inputs["image_features"].float(), inputs["attention_mask"].long(), modules=a.modules)
        elif kind == "perceiver-idefics2":
            features = inputs["image_features"].float()
            mask = inputs.get("attention_mask", torch.ones(features.shape[:2])).long()
            recorded = trace(model, features, mask, modules=a.modules)
        elif kind == "avg-pool" and grid:
            h, w = (int(v) for v in grid.split("x"))
            recorded = trace(model, inputs["image_features"].float(), (h, w), modules=a.modules)
        else:
            recorded = trace(model, inputs["image_features"].float(), modules=a.modules)
    else:
        p.error("give --checkpoint and --pixels, or --config, --weights and --input")
    save(recorded, a.output)
    print(f"{len(recorded)} modules recorded to {a.output}")


if __name__ == "__main__":
    main()
