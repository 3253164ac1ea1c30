"""Golden fixtures for encoder edge cases, from transformers 5.23.0 (its own seed, so the main encoder
fixtures stay as they are).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_encoder_edge_fixtures.py
(a venv with Tools/reference/requirements.txt; ../shared/peers/setup.sh makes one too)

Writes, under Tests/Fixtures/encoders/:
  siglip_nonmultiple/  a SigLIP tower whose native image_size (52) is not a multiple of its patch size (8),
      as SigLIP so400m (384 px, 14 px patches): the patch convolution drops the last 4 rows and columns and
      the grid is 6 x 6; recorded at the native 52 x 52 and at 48 x 64 (position interpolation);
  siglip_nohead/  a SigLIP tower with `vision_use_head: false` (no pooler).
Same file layout as make_encoder_fixtures.py (config.json, model.safetensors, io.safetensors).
"""
import torch
from transformers import SiglipVisionConfig, SiglipVisionModel

from common import randomize_, seed_everything, versions
from encoder_fixture_io import record, write_checkpoint

g = seed_everything(52)

EDGE = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=52, patch_size=8)
m = SiglipVisionModel(SiglipVisionConfig(**EDGE)).eval()
randomize_(m, g)
write_checkpoint("siglip_nonmultiple", m, {"model_type": "siglip_vision_model", **EDGE})
record("siglip_nonmultiple", m, [(52, 52), (48, 64)], {"interpolate_pos_encoding": True}, generator=g)

NOHEAD = dict(EDGE, image_size=48, vision_use_head=False)
m = SiglipVisionModel(SiglipVisionConfig(**NOHEAD)).eval()
randomize_(m, g)
write_checkpoint("siglip_nohead", m, {"model_type": "siglip_vision_model", **NOHEAD})
record("siglip_nohead", m, [(48, 48), (40, 56)], {"interpolate_pos_encoding": True}, generator=g)
print("versions:", versions())
