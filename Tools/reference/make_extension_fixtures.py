"""Golden fixtures for the connector defined outside VLBlocks (Examples/PixelShuffleConnector): transformers
5.23's own `Idefics3Connector` (pixel shuffle + `modality_projection.proj`, no bias), random weights.

Regenerate: /tmp/vlref/bin/python Tools/reference/make_extension_fixtures.py
Writes Tests/Fixtures/connectors/pixel_shuffle/{config.json, weights.safetensors, io.safetensors}.
"""
import json
import os

import torch
from transformers import Idefics3Config
from transformers.models.idefics3.modeling_idefics3 import Idefics3Connector

from common import FIXTURES, randomize_, save, seed_everything

g = seed_everything(31)
DV, DL, SCALE = 24, 40, 2
config = Idefics3Config(vision_config={"hidden_size": DV, "num_attention_heads": 4},
                        text_config={"hidden_size": DL, "num_attention_heads": 4, "num_key_value_heads": 4}, scale_factor=SCALE)
module = Idefics3Connector(config).eval()
randomize_(module, g)

folder = os.path.join(FIXTURES, "connectors", "pixel_shuffle")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump({"projector_type": "pixel-shuffle", "encoder_hidden_size": DV, "output_hidden_size": DL, "scale_factor": SCALE}, f, indent=2)
save("connectors/pixel_shuffle/weights.safetensors", module.state_dict())
features = torch.randn(2, 36, DV, generator=g)  # a 6 x 6 grid (Idefics3 takes square grids)
with torch.no_grad():
    tokens = module(features)
save("connectors/pixel_shuffle/io.safetensors", {"image_features": features, "tokens": tokens})
