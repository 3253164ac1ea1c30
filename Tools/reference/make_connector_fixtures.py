"""Golden fixtures for the connectors and feature mixers (definitions in connectors_reference.py).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_connector_fixtures.py
Writes Tests/Fixtures/connectors/<case>/{config.json, weights.safetensors, io.safetensors}: the config
with the contract's keys, the weights under the contract's checkpoint keys (all randomised, LayerNorm
gains and biases included), and `image_features` (or `clip_features`, `dino_features`) with the
expected `tokens`.
"""
import json
import os

import torch

from common import FIXTURES, randomize_, save, seed_everything
from connectors_reference import AMoF, IMoF, build

g = seed_everything(77)
DV, DL = 24, 40


def write(case, config, module, inputs):
    folder = os.path.join(FIXTURES, "connectors", case)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save(f"connectors/{case}/weights.safetensors", module.state_dict())
    with torch.no_grad():
        tokens = module(*inputs.values())
    save(f"connectors/{case}/io.safetensors", {**inputs, "tokens": tokens})


def features(grid, batch=2, width=DV):
    return torch.randn(batch, grid * grid, width, generator=g)


cases = [
    ("mlp2x_gelu", {"projector_type": "mlp2x_gelu", "encoder_hidden_size": DV, "output_hidden_size": DL}, 6, {}),
    ("avg_pool_6x6_to_3x3", {"projector_type": "avg-pool", "encoder_hidden_size": DV, "output_hidden_size": DL,
                             "num_queries": 9}, 6, {}),
    ("avg_pool_uneven_7x7_to_3x3_mlp2", {"projector_type": "avg-pool", "encoder_hidden_size": DV,
                                         "output_hidden_size": DL, "num_queries": 9, "mlp_depth": 2}, 7, {}),
    ("attn_pool", {"projector_type": "attn-pool", "encoder_hidden_size": DV, "output_hidden_size": DL,
                   "num_queries": 4, "num_heads": 4, "intermediate_size": 48, "layer_norm_eps": 1e-6}, 6, {}),
    ("attn_pool_siglip_head", {"projector_type": "attn-pool", "encoder_hidden_size": DV, "num_queries": 1,
                               "num_heads": 3, "intermediate_size": 40, "mlp_depth": 0}, 5, {}),
    ("c_abs", {"projector_type": "c-abs", "encoder_hidden_size": DV, "hidden_size": 16, "output_hidden_size": DL,
               "depth": 2, "mlp_depth": 2, "num_queries": 9, "pos_emb": True}, 6, {}),
    ("c_abs_uneven_7x7_pos_emb_with_cls_row", {"projector_type": "c-abs", "encoder_hidden_size": DV, "hidden_size": 20,
                                               "output_hidden_size": DL, "depth": 3, "mlp_depth": 3, "num_queries": 4,
                                               "pos_emb": True}, 7, {"pos_rows": 50}),
    ("c_abs_no_pos_emb_same_width", {"projector_type": "c-abs", "encoder_hidden_size": DV, "output_hidden_size": DL,
                                     "depth": 1, "mlp_depth": 1, "num_queries": 9, "pos_emb": False}, 6, {}),
]
for case, config, grid, extra in cases:
    module = build(config, input_tokens=grid * grid, **extra).eval()
    randomize_(module, g)
    write(case, config, module, {"image_features": features(grid)})

clip_proj = {"projector_type": "mlp2x_gelu", "encoder_hidden_size": DV, "output_hidden_size": DL}
dino_proj = {"projector_type": "mlp2x_gelu", "encoder_hidden_size": 16, "output_hidden_size": DL}
imof = {"projector_type": "i-mof", "clip_projector": clip_proj, "dino_projector": dino_proj}
module = IMoF(imof).eval(); randomize_(module, g)
write("i_mof", imof, module, {"clip_features": features(6), "dino_features": features(6, width=16)})

amof = {"projector_type": "a-mof", "alpha": 0.3,
        "projector": {"projector_type": "avg-pool", "encoder_hidden_size": DV, "output_hidden_size": DL, "num_queries": 4}}
module = AMoF(amof).eval(); randomize_(module, g)
write("a_mof", amof, module, {"clip_features": features(6), "dino_features": features(6)})

# avg-pool on a non-square 8 x 6 patch grid (a 336 x 252 image at 42 px patches, say): the grid travels in the
# io file's metadata, as `vlblocks encode --feature-layer` writes it.
avg = {"projector_type": "avg-pool", "encoder_hidden_size": DV, "output_hidden_size": DL, "num_queries": 9}
module = build(avg).eval(); randomize_(module, g)
folder = os.path.join(FIXTURES, "connectors", "avg_pool_grid_8x6_to_3x3")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump(avg, f, indent=2)
save("connectors/avg_pool_grid_8x6_to_3x3/weights.safetensors", module.state_dict())
grid_features = torch.randn(2, 8 * 6, DV, generator=g)
with torch.no_grad():
    grid_tokens = module(grid_features, grid=(8, 6))
save("connectors/avg_pool_grid_8x6_to_3x3/io.safetensors", {"image_features": grid_features, "tokens": grid_tokens}, grid="8x6")

