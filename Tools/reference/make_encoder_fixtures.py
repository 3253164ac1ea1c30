"""Golden fixtures for the vision encoders and their blocks, from transformers 5.23.0 and timm 1.0.31.

Regenerate: /tmp/vlref/bin/python Tools/reference/make_encoder_fixtures.py

Writes, under Tests/Fixtures/:
  encoders/<name>/config.json + model.safetensors (or a sharded index): tiny random towers with the real
      checkpoint key names, every parameter randomised (LayerNorm gains, biases and LayerScale included);
  encoders/<name>/io.safetensors: `pixel_values_<H>x<W>` inputs and, per resolution, the expected
      `last_hidden_state_<H>x<W>`, `pooler_output_<H>x<W>` and `hidden_states.<i>_<H>x<W>`;
  blocks/*.safetensors: single modules (attention, MLP, encoder layer) with `input`, weights under the
      module's own key names, and `output`.
Key layouts covered: transformers 5.x (no `vision_model.` prefix), full CLIP/SigLIP models (vision tower
under `vision_model.`, text tower present and ignored), DINOv2 in the transformers 4.x layout that hub
checkpoints use (`attention.attention.query`, `mlp.weights_in`), fp16 and bf16 weights, a sharded index.
"""
import torch
from transformers import (
    CLIPConfig, CLIPModel, CLIPVisionConfig, CLIPVisionModel, Dinov2Config, Dinov2Model,
    Dinov2WithRegistersConfig, Dinov2WithRegistersModel, SiglipConfig, SiglipModel, SiglipVisionConfig,
    SiglipVisionModel,
)

from common import randomize_, save, seed_everything, versions
from encoder_fixture_io import record as record_with, write_checkpoint

g = seed_everything(2024)


def record(*args, **kwargs):
    record_with(*args, **kwargs, generator=g)

TEXT = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=1, num_attention_heads=4, vocab_size=64,
            max_position_embeddings=16)


def dinov2_to_v4_names(state):
    """transformers 5.x DINOv2 names -> the 4.x names that hub checkpoints carry."""
    out = {}
    for k, v in state.items():
        k4 = (k.replace("attention.q_proj", "attention.attention.query")
               .replace("attention.k_proj", "attention.attention.key")
               .replace("attention.v_proj", "attention.attention.value")
               .replace("attention.o_proj", "attention.output.dense"))
        if k4.endswith("mlp.gate_proj.weight") or k4.endswith("mlp.gate_proj.bias"):
            suffix = k4.rsplit(".", 1)[1]
            up = state[k.replace("gate_proj", "up_proj")]
            out[k4.replace("gate_proj." + suffix, "weights_in." + suffix)] = torch.cat([v, up], 0)
            continue
        if ".mlp.up_proj." in k4:
            continue
        out[k4.replace("mlp.down_proj", "mlp.weights_out")] = v
    return out


VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=48,
              patch_size=8)

# CLIP vision tower as transformers 5.x saves it (no prefix), QuickGELU, native 48 and 64x40, 32x32.
cfg = CLIPVisionConfig(**VISION, hidden_act="quick_gelu")
m = CLIPVisionModel(cfg).eval()
randomize_(m, g)
write_checkpoint("clip_vision", m, {"model_type": "clip_vision_model", **VISION, "hidden_act": "quick_gelu"})
record("clip_vision", m, [(48, 48), (64, 40), (32, 32)], {"interpolate_pos_encoding": True})

# Full CLIP model (vision tower under vision_model., text tower ignored), exact GELU, fp16 weights.
full = CLIPModel(CLIPConfig(vision_config={**VISION, "hidden_act": "gelu"}, text_config=TEXT,
                            projection_dim=16)).eval()
randomize_(full, g)
stored = write_checkpoint("clip_full_fp16", full, {
    "model_type": "clip", "projection_dim": 16, "vision_config": {**VISION, "hidden_act": "gelu"}, "text_config": TEXT},
    dtype=torch.float16)
full.load_state_dict(stored)
record("clip_full_fp16", full, [(48, 48), (56, 64)], {"interpolate_pos_encoding": True}, lambda m: m.vision_model)

# SigLIP vision tower with its attention-pooling head, bf16 weights.
cfg = SiglipVisionConfig(**VISION)
m = SiglipVisionModel(cfg).eval()
randomize_(m, g)
stored = write_checkpoint("siglip_vision_bf16", m, {"model_type": "siglip_vision_model", **VISION}, dtype=torch.bfloat16)
m.load_state_dict(stored)
record("siglip_vision_bf16", m, [(48, 48), (40, 64)], {"interpolate_pos_encoding": True})

# Full SigLIP model: vision tower under vision_model.
full = SiglipModel(SiglipConfig(vision_config=VISION, text_config=TEXT)).eval()
randomize_(full, g)
write_checkpoint("siglip_full", full, {"model_type": "siglip", "vision_config": VISION, "text_config": TEXT})
record("siglip_full", full, [(48, 48)], {"interpolate_pos_encoding": True}, lambda m: m.vision_model)

# DINOv2 in the 4.x key layout of hub checkpoints; LayerScale randomised.
D2 = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, mlp_ratio=4, image_size=48, patch_size=8)
m = Dinov2Model(Dinov2Config(**D2)).eval()
randomize_(m, g)
write_checkpoint("dinov2_v4_layout", m, {"model_type": "dinov2", **D2}, transform=dinov2_to_v4_names)
record("dinov2_v4_layout", m, [(48, 48), (64, 40), (32, 32)], {})

# DINOv2 giant-style SwiGLU MLP, 4.x layout (fused weights_in).
m = Dinov2Model(Dinov2Config(**D2, use_swiglu_ffn=True)).eval()
randomize_(m, g)
write_checkpoint("dinov2_swiglu", m, {"model_type": "dinov2", **D2, "use_swiglu_ffn": True}, transform=dinov2_to_v4_names)
record("dinov2_swiglu", m, [(48, 48), (40, 56)], {})

# DINOv2 with registers, 5.x layout, sharded over two files; antialiased position interpolation.
R = dict(D2, num_register_tokens=3)
m = Dinov2WithRegistersModel(Dinov2WithRegistersConfig(**R)).eval()
randomize_(m, g)
write_checkpoint("dinov2_registers_sharded", m, {"model_type": "dinov2_with_registers", **R}, shards=2)
record("dinov2_registers_sharded", m, [(48, 48), (64, 40), (32, 32), (40, 40)], {})

# --- single blocks ------------------------------------------------------------------------------
import timm.models.vision_transformer as tvit
from transformers.models.clip.modeling_clip import CLIPAttention, CLIPEncoderLayer, CLIPMLP
from transformers.models.dinov2.modeling_dinov2 import Dinov2Layer, Dinov2SwiGLUFFN

def prefixed(module, prefix=""):
    return {prefix + k: v for k, v in module.state_dict().items()}

x = torch.randn(2, 7, 32, generator=g)
cc = CLIPVisionConfig(**VISION, hidden_act="quick_gelu")
cc._attn_implementation = "eager"
attn = CLIPAttention(cc).eval(); randomize_(attn, g)
with torch.no_grad():
    save("blocks/attention_separate_qkv.safetensors", {"input": x, **prefixed(attn), "output": attn(x)[0]}, heads=4)

timm_attn = tvit.Attention(32, num_heads=4, qkv_bias=True).eval(); randomize_(timm_attn, g)
with torch.no_grad():
    save("blocks/attention_fused_qkv.safetensors", {"input": x, **prefixed(timm_attn), "output": timm_attn(x)}, heads=4)

mha = torch.nn.MultiheadAttention(32, 4, batch_first=True).eval(); randomize_(mha, g)
probe = torch.randn(1, 3, 32, generator=g)
mask = torch.zeros(2, 3, 7)
mask[1, :, 5:] = float("-inf")  # the second sample's last two keys are masked
with torch.no_grad():
    out = mha(probe.expand(2, -1, -1), x, x, need_weights=False)[0]
    out_masked = mha(probe.expand(2, -1, -1), x, x, need_weights=False, attn_mask=mask.repeat_interleave(4, 0))[0]
save("blocks/attention_cross_packed.safetensors",
     {"context": x, "queries": probe, **prefixed(mha), "output": out, "additive_mask": mask, "output_masked": out_masked},
     heads=4)

for act in ("quick_gelu", "gelu", "gelu_pytorch_tanh"):
    mlp = CLIPMLP(CLIPVisionConfig(**VISION, hidden_act=act)).eval(); randomize_(mlp, g)
    with torch.no_grad():
        save(f"blocks/mlp_{act}.safetensors", {"input": x, **prefixed(mlp), "output": mlp(x)})
sw = Dinov2SwiGLUFFN(Dinov2Config(**D2)).eval(); randomize_(sw, g)
with torch.no_grad():
    save("blocks/mlp_swiglu.safetensors", {"input": x, **prefixed(sw), "output": sw(x)}, hidden=sw.gate_proj.out_features)

layer = CLIPEncoderLayer(cc).eval(); randomize_(layer, g)
with torch.no_grad():
    save("blocks/layer_clip.safetensors", {"input": x, **prefixed(layer), "output": layer(x, None)[0] if isinstance(layer(x, None), tuple) else layer(x, None)})
dc = Dinov2Config(**D2); dc._attn_implementation = "eager"
layer = Dinov2Layer(dc).eval(); randomize_(layer, g)
with torch.no_grad():
    y = layer(x)
    save("blocks/layer_dinov2_layerscale.safetensors", {"input": x, **prefixed(layer), "output": y[0] if isinstance(y, tuple) else y})
print("versions:", versions())
