"""Golden fixtures for CogVLM's deep fusion (issue 15): the visual-expert decoder layers and the EVA2-CLIP vision side,
from the reference in cogvlm_reference.py. Which reference piece produces which checkpoint key (full table there):

- `model.layers.{i}.input_layernorm`, `.post_attention_layernorm`, `model.norm`: transformers `LlamaRMSNorm`
- `model.layers.{i}.self_attn.{vision,language}_expert_{query_key_value,dense}`: `nn.Linear` per expert, routed as
  CogVLM's `get_expert_mask` says; q and k through `LlamaRotaryEmbedding` + `apply_rotary_pos_emb`, k and v through
  `repeat_kv`, attention `F.scaled_dot_product_attention` under CogVLM's causal + padding mask; position ids from
  CogVLM's `build_position_ids`
- `model.layers.{i}.mlp.{vision,language}_mlp.{gate,up,down}_proj`: transformers `LlamaMLP`, routed
- `model.vision.patch_embedding.*`: CogVLM's `PatchEmbedding`
- `model.vision.transformer.layers.{i}.{attention.query_key_value, attention.dense, input_layernorm, mlp.fc1, mlp.fc2,
  post_attention_layernorm}`: timm `ResPostBlock.{attn.qkv, attn.proj, norm1, mlp.fc1, mlp.fc2, norm2}`
- `model.vision.conv`: `nn.Conv2d(Dv, Dm, 2, stride=2)` (CogVLM2's visual.py)
- `model.vision.linear_proj.{linear_proj, norm1, gate_proj, dense_h_to_4h, dense_4h_to_h}`: transformers
  `Glm4vVisionPatchMerger.{proj, post_projection_norm, gate_proj, up_proj, down_proj}`
- `model.vision.boi`, `model.vision.eoi`: `nn.Parameter [1, 1, D]`

Pinned: torch 2.15.0, transformers 5.23.0, timm 1.0.31 (Tools/reference/requirements.txt). Tiny widths, random weights
under the real checkpoint keys, every parameter randomised (RMSNorm and LayerNorm gains and biases included).

Regenerate: /tmp/vlpeers/bin/python Tools/reference/make_cogvlm_fixtures.py
Writes Tests/Fixtures/cogvlm/<generation>/ for generation in cogvlm1, cogvlm2:
- config.json: CogVLM's config.json keys (CogVLM2: num_multi_query_heads; no rope key, so the defaults 10000 and
  500000 apply).
- layers.safetensors: `model.layers.{0,1}.*` and `model.norm.weight` (cogvlm1 also carries an old `inv_freq` buffer,
  which loading ignores).
- <case>.safetensors: `inputs_embeds` [B, L, D] F32, `token_type_ids` [B, L] I64, `attention_mask` [B, L] I64 (padded
  cases), and the reference's `position_ids` [B, L] I64, `vision_expert_mask` [B, L] I64, `layer_outputs.{i}`
  [B, L, D] (after layer i) and `hidden_states` [B, L, D] (after the final norm). Rows at padded positions are
  unspecified by the contract; compare kept rows only.
- vision.safetensors (`model.vision.*`) and vision_io.safetensors: `pixel_values` [B, 3, H, W], `image_embeds`
  [B, n_v, D] (boi and eoi included) and `transformer_output` [B, 1 + N, Dv] (after the EVA2-CLIP layers). CogVLM2's
  2x2 merge keeps the tower's width, as CogVLM2's published visual.py does (`conv` Dv -> Dv, the adapter reads Dv);
  cogvlm2/vision_merge_to_hidden{,_io}.safetensors is the same with a merge to D (the GLM-4V arrangement).
And Tests/Fixtures/cogvlm/ops.safetensors: the rotary embedding and grouped-query causal attention alone.
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb, repeat_kv

from cogvlm_reference import CogVLMLayers, EVA2CLIPVision
from common import FIXTURES, randomize_, seed_everything, versions

g = seed_everything(2015)
FOLDER = os.path.join(FIXTURES, "cogvlm")


def save(relative, tensors):
    """Keeps each tensor's dtype (I64 for ids and masks, F32 otherwise), with the version stamp."""
    path = os.path.join(FOLDER, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {k: (v.detach().to(torch.int64) if v.dtype in (torch.int64, torch.bool) else v.detach().to(torch.float32)).contiguous().clone()
            for k, v in tensors.items()}
    save_file(data, path, metadata={k: str(v) for k, v in versions().items()})
    print(f"wrote cogvlm/{relative} ({os.path.getsize(path) / 1024:.1f} KiB, {len(data)} tensors)")


VISION = {"hidden_size": 24, "intermediate_size": 48, "num_heads": 4, "num_hidden_layers": 2, "patch_size": 4,
          "image_size": 16, "in_channels": 3, "num_positions": 17, "layer_norm_eps": 1e-6, "hidden_act": "gelu",
          "dropout_prob": 0.0}
CONFIGS = {
    "cogvlm1": {"hidden_size": 32, "intermediate_size": 48, "num_attention_heads": 4, "rms_norm_eps": 1e-5,
                "hidden_act": "silu", "max_position_embeddings": 2048, "num_hidden_layers": 2, "vocab_size": 100,
                "vision_config": VISION},
    "cogvlm2": {"hidden_size": 32, "intermediate_size": 56, "num_attention_heads": 4, "num_multi_query_heads": 2,
                "rms_norm_eps": 1e-5, "hidden_act": "silu", "max_position_embeddings": 8192, "num_hidden_layers": 2,
                "vocab_size": 100, "vision_config": VISION},
}

L, V = 0, 1
IMAGE = [V] * 6  # boi, four patches, eoi (a tiny image)
# Each case: token-type rows and attention-mask rows (None: no padding). Pads are typed language.
CASES = {
    "two_images": ([[L] + IMAGE + [L] * 3 + IMAGE + [L] * 2,
                    [L] + IMAGE + [L] * 11], None),
    "text_only": ([[L] * 9, [L] * 9], None),
    "image_only": ([IMAGE + [V, V]], None),
    "left_padding": ([[L] * 3 + [L] + IMAGE + [L] * 3,
                      [L] + IMAGE + [L] * 6],
                     [[0] * 3 + [1] * 10, [1] * 13]),
    "right_padding": ([[L] + IMAGE + [L] * 2 + [L] * 4,
                       [L] + IMAGE + [L] * 6],
                      [[1] * 9 + [0] * 4, [1] * 13]),
}

for generation, config in CONFIGS.items():
    os.makedirs(os.path.join(FOLDER, generation), exist_ok=True)
    with open(os.path.join(FOLDER, generation, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    layers = CogVLMLayers(config, layers=2).eval()
    randomize_(layers, g)
    state = dict(layers.state_dict())
    if generation == "cogvlm1":  # old checkpoints stored the rotary buffer; loading ignores it
        state["model.layers.0.self_attn.rotary_emb.inv_freq"] = layers.model.layers[0].self_attn.rotary_emb.inv_freq
    save(f"{generation}/layers.safetensors", state)
    for case, (types, keep) in CASES.items():
        token_type_ids = torch.tensor(types, dtype=torch.int64)
        attention_mask = None if keep is None else torch.tensor(keep, dtype=torch.int64)
        embeds = torch.randn(*token_type_ids.shape, config["hidden_size"], generator=g)
        with torch.no_grad():
            hidden, positions, vision_mask, outputs = layers(embeds, token_type_ids, attention_mask)
        io = {"inputs_embeds": embeds, "token_type_ids": token_type_ids, "position_ids": positions,
              "vision_expert_mask": vision_mask, "hidden_states": hidden}
        io.update({f"layer_outputs.{i}": o for i, o in enumerate(outputs)})
        if attention_mask is not None:
            io["attention_mask"] = attention_mask
            kept = attention_mask.bool()
            assert torch.isfinite(hidden[kept]).all()
        save(f"{generation}/{case}.safetensors", io)

    variants = {"vision": VISION["hidden_size"] if generation == "cogvlm2" else None}
    if generation == "cogvlm2":
        variants["vision_merge_to_hidden"] = config["hidden_size"]
    for name, merge_width in variants.items():
        vision = EVA2CLIPVision(config, layers=VISION["num_hidden_layers"], merge_width=merge_width).eval()
        randomize_(vision, g)
        save(f"{generation}/{name}.safetensors", vision.checkpoint())
        pixels = torch.randn(2, 3, VISION["image_size"], VISION["image_size"], generator=g)
        with torch.no_grad():
            embeds = vision(pixels)
            x = vision.patch_embedding(pixels)
            for block in vision.blocks:
                x = block(x)
        save(f"{generation}/{name}_io.safetensors", {"pixel_values": pixels, "image_embeds": embeds, "transformer_output": x})

# The two new tensor operations alone: apply_rotary_pos_emb on token-major heads, and grouped-query causal attention
# with a key padding mask (rows that may attend to nothing are left out of the comparison).
ops = {}
x = torch.randn(2, 5, 3, 8, generator=g)  # [B, L, H, hd]
positions = torch.tensor([[0, 1, 1, 1, 2], [0, 0, 1, 2, 40]])
for base in (10000.0, 500000.0):
    rotary = LlamaRotaryEmbedding(LlamaConfig(hidden_size=24, num_attention_heads=3, head_dim=8,
                                              rope_parameters={"rope_type": "default", "rope_theta": base}))
    cos, sin = rotary(x, positions)
    rotated, _ = apply_rotary_pos_emb(x.transpose(1, 2), x.transpose(1, 2), cos, sin)
    ops[f"rotary.{int(base)}.output"] = rotated.transpose(1, 2)
ops["rotary.input"], ops["rotary.positions"] = x, positions
q = torch.randn(2, 7, 4, 8, generator=g)
k = torch.randn(2, 7, 2, 8, generator=g)
v = torch.randn(2, 7, 2, 8, generator=g)
keep = torch.tensor([[0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]])
allowed = torch.ones(7, 7, dtype=torch.bool).tril()[None, None] & keep[:, None, None, :].bool()
qh, kh, vh = q.transpose(1, 2), repeat_kv(k.transpose(1, 2), 2), repeat_kv(v.transpose(1, 2), 2)
ops["attention.causal"] = F.scaled_dot_product_attention(qh, kh, vh, is_causal=True).transpose(1, 2)
ops["attention.masked"] = torch.nan_to_num(F.scaled_dot_product_attention(qh, kh, vh, attn_mask=allowed).transpose(1, 2))
ops.update({"attention.query": q, "attention.key": k, "attention.value": v, "attention.keep": keep})
save("ops.safetensors", ops)
