"""Checkpoint folders and expected outputs for the encoder fixture scripts (make_encoder_fixtures.py,
make_encoder_edge_fixtures.py)."""
import json
import os

import torch
from safetensors.torch import save_file

from common import FIXTURES, save


def write_checkpoint(name, model, config_dict, transform=None, dtype=torch.float32, shards=1):
    folder = os.path.join(FIXTURES, "encoders", name)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    if transform:
        state = transform(state)
    state = {k: v.to(dtype) for k, v in state.items()}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=2, sort_keys=True)
    if shards == 1:
        save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    else:
        names = sorted(state)
        weight_map = {}
        for i in range(shards):
            part = names[i::shards]
            file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            save_file({k: state[k] for k in part}, os.path.join(folder, file), metadata={"format": "pt"})
            weight_map.update({k: file for k in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(v.numel() * v.element_size() for v in state.values())},
                       "weight_map": weight_map}, f, indent=2, sort_keys=True)
    # Reload the stored (possibly rounded) weights so the expected outputs use exactly them.
    return {k: v.to(torch.float32) for k, v in state.items()}


def record(name, model, resolutions, interpolate_kw, vision_of=lambda m: m, *, generator):
    tensors = {}
    for h, w in resolutions:
        x = torch.randn(2, 3, h, w, generator=generator)
        with torch.no_grad():
            out = vision_of(model)(pixel_values=x, output_hidden_states=True, **interpolate_kw)
        tag = f"{h}x{w}"
        tensors[f"pixel_values_{tag}"] = x
        tensors[f"last_hidden_state_{tag}"] = out.last_hidden_state
        if out.pooler_output is not None:
            tensors[f"pooler_output_{tag}"] = out.pooler_output
        for i, hs in enumerate(out.hidden_states):
            tensors[f"hidden_states.{i}_{tag}"] = hs
    save(f"encoders/{name}/io.safetensors", tensors, resolutions=",".join(f"{h}x{w}" for h, w in resolutions))
