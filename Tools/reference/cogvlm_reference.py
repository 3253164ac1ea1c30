"""PyTorch reference for CogVLM's deep fusion: the visual-expert decoder layers and the EVA2-CLIP vision side.

transformers 5.23 has no CogVLM (its `glm4v` is another model), so the reference is composed from pieces users
already trust, with the routing written from CogVLM's published modeling code (THUDM `cogvlm-chat-hf` and
`cogvlm2-llama3-chat-19B`, `modeling_cogvlm.py` and `visual.py`):

| checkpoint key (under `model.`)                                    | reference piece                                   |
|--------------------------------------------------------------------|---------------------------------------------------|
| `layers.{i}.input_layernorm`, `layers.{i}.post_attention_layernorm`, `norm` | transformers `LlamaRMSNorm` (fp32)         |
| `layers.{i}.self_attn.{vision,language}_expert_query_key_value`    | `nn.Linear` per expert, routed by `get_expert_mask` (CogVLM); bias on the vision one in CogVLM2 |
| rotary embedding of q and k                                        | transformers `LlamaRotaryEmbedding` (default rope, theta 10000 / 500000) + `apply_rotary_pos_emb` |
| grouped key-value heads (CogVLM2 `num_multi_query_heads`)          | transformers `repeat_kv`                          |
| attention                                                          | `F.scaled_dot_product_attention` with CogVLM's `_prepare_decoder_attention_mask` (causal + padding, finfo.min) |
| `layers.{i}.self_attn.{vision,language}_expert_dense`              | `nn.Linear` per expert (no bias), routed          |
| `layers.{i}.mlp.{vision,language}_mlp.{gate,up,down}_proj`         | transformers `LlamaMLP` (SiLU, no bias) per expert, routed |
| position ids                                                       | `build_position_ids` (CogVLM)                     |
| `vision.patch_embedding.{proj,cls_embedding,position_embedding}`   | `PatchEmbedding` (CogVLM's `visual.py`)           |
| `vision.transformer.layers.{i}.attention.query_key_value`          | timm `ResPostBlock.attn.qkv`                      |
| `vision.transformer.layers.{i}.attention.dense`                    | timm `ResPostBlock.attn.proj`                     |
| `vision.transformer.layers.{i}.input_layernorm`                    | timm `ResPostBlock.norm1` (after the attention: post-norm) |
| `vision.transformer.layers.{i}.mlp.fc1`, `mlp.fc2`                 | timm `ResPostBlock.mlp.fc1`, `mlp.fc2` (exact GELU) |
| `vision.transformer.layers.{i}.post_attention_layernorm`           | timm `ResPostBlock.norm2`                         |
| `vision.conv` (CogVLM2's 2x2 merge)                                | `nn.Conv2d(Dv, Dm, 2, stride=2)` (CogVLM2's `visual.py`: Dm = Dv; GLM-4V-style Dm = D also checked) |
| `vision.linear_proj.linear_proj`                                   | transformers `Glm4vVisionPatchMerger.proj` (a `Linear(Dv or Dm, D)` where the widths differ) |
| `vision.linear_proj.norm1`                                         | `Glm4vVisionPatchMerger.post_projection_norm` (LayerNorm, eps 1e-5) |
| `vision.linear_proj.gate_proj`, `dense_h_to_4h`, `dense_4h_to_h`   | `Glm4vVisionPatchMerger.gate_proj`, `up_proj`, `down_proj` |
| `vision.boi`, `vision.eoi`                                         | `nn.Parameter [1, 1, D]` (CogVLM's `visual.py`)   |

Pinned: torch 2.15.0, transformers 5.23.0, timm 1.0.31 (Tools/reference/requirements.txt).
Used by make_cogvlm_fixtures.py (golden fixtures) and Tools/performance/cogvlm_benchmark.py (the timing peer).
"""
from functools import partial

import torch
import torch.nn.functional as F
from timm.models.vision_transformer import ResPostBlock
from torch import nn
from transformers import LlamaConfig
from transformers.models.glm4v.modeling_glm4v import Glm4vVisionPatchMerger
from transformers.models.llama.modeling_llama import (LlamaMLP, LlamaRMSNorm, LlamaRotaryEmbedding, apply_rotary_pos_emb,
                                                      repeat_kv)

LANGUAGE_TOKEN_TYPE = 0
VISION_TOKEN_TYPE = 1


# ---- Routing and positions, written from CogVLM's modeling_cogvlm.py ----

def get_expert_mask(token_type_ids):
    """Vision expert where the token is vision and the next one is vision too; the last position is language."""
    vision = torch.zeros_like(token_type_ids, dtype=torch.bool)
    vision[:, :-1] = (token_type_ids[:, :-1] == VISION_TOKEN_TYPE) & (token_type_ids[:, 1:] == VISION_TOKEN_TYPE)
    return vision, ~vision


def build_position_ids(x, attention_mask=None):
    """boi and eoi count as language; a run of vision tokens shares one id; padded positions never advance it."""
    tmp = x.clone()
    if attention_mask is not None:
        tmp[~attention_mask.bool()] = -1
    is_boi_eoi = torch.zeros_like(x, dtype=torch.bool)
    is_boi_eoi[:, 1:] |= (tmp[:, 1:] == VISION_TOKEN_TYPE) & (tmp[:, :-1] == LANGUAGE_TOKEN_TYPE)
    is_boi_eoi[:, 0] |= tmp[:, 0] == VISION_TOKEN_TYPE
    is_boi_eoi[:, :-1] |= (tmp[:, :-1] == VISION_TOKEN_TYPE) & (tmp[:, 1:] == LANGUAGE_TOKEN_TYPE)
    is_boi_eoi[:, -1] |= tmp[:, -1] == VISION_TOKEN_TYPE
    tmp[is_boi_eoi] = LANGUAGE_TOKEN_TYPE
    y = torch.zeros_like(x, dtype=torch.long)
    y[:, 1:] = (tmp[:, 1:] == LANGUAGE_TOKEN_TYPE) | ((tmp[:, 1:] == VISION_TOKEN_TYPE) & (tmp[:, :-1] == LANGUAGE_TOKEN_TYPE))
    return y.cumsum(dim=-1)


def decoder_attention_mask(attention_mask, length, dtype=torch.float32):
    """CogVLM's `_prepare_decoder_attention_mask`: causal (finfo.min above the diagonal) plus the expanded padding
    mask (finfo.min at padded keys), `[B, 1, L, L]`; None without padding (then attention runs with is_causal)."""
    if attention_mask is None or bool(attention_mask.bool().all()):
        return None
    low = torch.finfo(dtype).min
    causal = torch.full((length, length), low, dtype=dtype)
    causal.masked_fill_(torch.arange(length) < (torch.arange(length) + 1).view(length, 1), 0)
    padding = (1.0 - attention_mask[:, None, None, :].to(dtype)).masked_fill(~attention_mask[:, None, None, :].bool(), low)
    return padding + causal[None, None]


# ---- The visual-expert decoder layer ----

def heads(c):
    h = c["num_attention_heads"]
    return h, c.get("num_multi_query_heads", h), c["hidden_size"] // h


def rope_base(c):
    return c.get("rope_theta", c.get("rope_base", 500000.0 if "num_multi_query_heads" in c else 10000.0))


def route(x, vision, language, vision_module, language_module, width):
    """CogVLM's routing: each expert over its own rows (`x[mask]`), written back into one tensor."""
    out = x.new_empty(*x.shape[:-1], width)
    out[vision] = vision_module(x[vision])
    out[language] = language_module(x[language])
    return out


class VisualExpertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.h, self.kv, self.hd = heads(c)
        self.widths = [d, self.kv * self.hd, self.kv * self.hd]
        qkv = sum(self.widths)
        self.vision_expert_query_key_value = nn.Linear(d, qkv, bias="num_multi_query_heads" in c)
        self.vision_expert_dense = nn.Linear(d, d, bias=False)
        self.language_expert_query_key_value = nn.Linear(d, qkv, bias=False)
        self.language_expert_dense = nn.Linear(d, d, bias=False)
        self.rotary_emb = LlamaRotaryEmbedding(LlamaConfig(
            hidden_size=d, num_attention_heads=self.h, num_key_value_heads=self.kv, head_dim=self.hd,
            max_position_embeddings=c.get("max_position_embeddings", 8192),
            rope_parameters={"rope_type": "default", "rope_theta": rope_base(c)}))

    def forward(self, x, masks, position_ids, attention_mask):
        b, n, _ = x.shape
        vision, language = masks
        mixed = route(x, vision, language, self.vision_expert_query_key_value, self.language_expert_query_key_value,
                      sum(self.widths))
        q, k, v = mixed.split(self.widths, dim=-1)
        q = q.view(b, n, self.h, self.hd).transpose(1, 2)
        k = k.view(b, n, self.kv, self.hd).transpose(1, 2)
        v = v.view(b, n, self.kv, self.hd).transpose(1, 2)
        cos, sin = self.rotary_emb(v, position_ids)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        k, v = repeat_kv(k, self.h // self.kv), repeat_kv(v, self.h // self.kv)
        if attention_mask is None:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
        out = out.transpose(1, 2).reshape(b, n, self.h * self.hd)
        return route(out, vision, language, self.vision_expert_dense, self.language_expert_dense, x.shape[-1])


class VisualExpertMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        config = LlamaConfig(hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"], hidden_act="silu",
                             mlp_bias=False)
        self.language_mlp = LlamaMLP(config)
        self.vision_mlp = LlamaMLP(config)

    def forward(self, x, masks):
        return route(x, masks[0], masks[1], self.vision_mlp, self.language_mlp, x.shape[-1])


class VisualExpertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c.get("rms_norm_eps", 1e-5)
        self.input_layernorm = LlamaRMSNorm(c["hidden_size"], eps=eps)
        self.self_attn = VisualExpertAttention(c)
        self.post_attention_layernorm = LlamaRMSNorm(c["hidden_size"], eps=eps)
        self.mlp = VisualExpertMLP(c)

    def forward(self, x, masks, position_ids, attention_mask):
        h = x + self.self_attn(self.input_layernorm(x), masks, position_ids, attention_mask)
        return h + self.mlp(self.post_attention_layernorm(h), masks)


class Decoder(nn.Module):
    """`model.layers.{i}` and `model.norm` of CogVLMModel, from `inputs_embeds` on."""

    def __init__(self, c, layers, final_norm=True):
        super().__init__()
        self.layers = nn.ModuleList([VisualExpertLayer(c) for _ in range(layers)])
        self.norm = LlamaRMSNorm(c["hidden_size"], eps=c.get("rms_norm_eps", 1e-5)) if final_norm else None

    def forward(self, inputs_embeds, token_type_ids, attention_mask=None):
        position_ids = build_position_ids(token_type_ids, attention_mask)
        masks = get_expert_mask(token_type_ids)
        mask = decoder_attention_mask(attention_mask, inputs_embeds.shape[1])
        x, outputs = inputs_embeds, []
        for layer in self.layers:
            x = layer(x, masks, position_ids, mask)
            outputs.append(x)
        if self.norm is not None:
            x = self.norm(x)
        return x, position_ids, masks[0], outputs


class CogVLMLayers(nn.Module):
    """Wrapper so that `state_dict()` gives the checkpoint keys `model.layers.{i}.*`, `model.norm.weight`."""

    def __init__(self, c, layers, final_norm=True):
        super().__init__()
        self.model = Decoder(c, layers, final_norm)

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)


# ---- The vision side ----

class PatchEmbedding(nn.Module):
    """CogVLM's visual.py: conv with bias, class embedding, learned positions (no interpolation)."""

    def __init__(self, v):
        super().__init__()
        self.proj = nn.Conv2d(v["in_channels"], v["hidden_size"], kernel_size=v["patch_size"], stride=v["patch_size"])
        self.cls_embedding = nn.Parameter(torch.zeros(1, v["hidden_size"]))
        self.position_embedding = nn.Embedding(v["num_positions"], v["hidden_size"])

    def forward(self, images):
        x = self.proj(images).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_embedding.expand(x.shape[0], -1, -1), x), dim=1)
        return x + self.position_embedding.weight.unsqueeze(0)


# timm ResPostBlock submodule -> EVA2-CLIP checkpoint name (under transformer.layers.{i}.)
RES_POST_BLOCK_KEYS = {"attn.qkv": "attention.query_key_value", "attn.proj": "attention.dense", "norm1": "input_layernorm",
                       "mlp.fc1": "mlp.fc1", "mlp.fc2": "mlp.fc2", "norm2": "post_attention_layernorm"}
# Glm4vVisionPatchMerger submodule -> CogVLM's GLU adapter name (under linear_proj.)
MERGER_KEYS = {"proj": "linear_proj", "post_projection_norm": "norm1", "gate_proj": "gate_proj", "up_proj": "dense_h_to_4h",
               "down_proj": "dense_4h_to_h"}


class EVA2CLIPVision(nn.Module):
    """`model.vision`: EVA2-CLIP patch embedding, post-norm layers, class token dropped, CogVLM2's 2x2 merge, the GLU
    adapter, boi and eoi rows."""

    def __init__(self, c, layers, merge_width=None):
        """`merge_width`: the 2x2 merge's output width (CogVLM2: the tower's width), or None (CogVLM: no merge)."""
        super().__init__()
        v, d = c["vision_config"], c["hidden_size"]
        self.patch_embedding = PatchEmbedding(v)
        self.blocks = nn.ModuleList([
            ResPostBlock(v["hidden_size"], v["num_heads"], mlp_ratio=v["intermediate_size"] / v["hidden_size"], qkv_bias=True,
                         norm_layer=partial(nn.LayerNorm, eps=v["layer_norm_eps"]), act_layer=nn.GELU)
            for _ in range(layers)])
        assert all(b.mlp.fc1.out_features == v["intermediate_size"] for b in self.blocks)
        self.conv = nn.Conv2d(v["hidden_size"], merge_width, kernel_size=2, stride=2) if merge_width else None
        self.merger = Glm4vVisionPatchMerger(d, c["intermediate_size"], "silu", bias=False)
        adapter_in = merge_width or v["hidden_size"]
        if adapter_in != d:
            self.merger.proj = nn.Linear(adapter_in, d, bias=False)
        self.boi = nn.Parameter(torch.zeros(1, 1, d))
        self.eoi = nn.Parameter(torch.zeros(1, 1, d))

    def forward(self, images):
        x = self.patch_embedding(images)
        for block in self.blocks:
            x = block(x)
        x = x[:, 1:]
        if self.conv is not None:
            b, s, h = x.shape
            side = int(s ** 0.5)
            x = self.conv(x.view(b, side, side, h).permute(0, 3, 1, 2)).flatten(2).transpose(1, 2)
        x = self.merger(x)
        return torch.cat((self.boi.expand(x.shape[0], -1, -1), x, self.eoi.expand(x.shape[0], -1, -1)), dim=1)

    def checkpoint(self):
        """The state dict under CogVLM's keys (`model.vision.*`)."""
        out = {}
        for name, tensor in self.state_dict().items():
            if name.startswith("blocks."):
                _, i, rest = name.split(".", 2)
                module, leaf = rest.rsplit(".", 1)
                name = f"transformer.layers.{i}.{RES_POST_BLOCK_KEYS[module]}.{leaf}"
            elif name.startswith("merger."):
                module, leaf = name[len("merger."):].rsplit(".", 1)
                name = f"linear_proj.{MERGER_KEYS[module]}.{leaf}"
            out["model.vision." + name] = tensor
        return out
