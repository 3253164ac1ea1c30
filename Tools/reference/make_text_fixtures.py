"""Golden fixtures for the text towers and dual encoders, from transformers 5.23.0's own models (random weights
under the real checkpoint keys, every parameter randomised, LayerNorm gains and biases included).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_text_fixtures.py
Writes Tests/Fixtures/text/<case>/{config.json (save_pretrained's), model.safetensors, io.safetensors}:

- clip_text: `CLIPTextModel` as 5.x names it (no `text_model.` prefix), `eos_token_id` 49407-style rule (first eos).
- clip_text_projection_argmax: `CLIPTextModelWithProjection` with the `text_model.` prefix hub checkpoints have and an
  old config's `eos_token_id` 2 (pooled at the largest id).
- clip_full: `CLIPModel` (both towers, `visual_projection`, `text_projection`, `logit_scale`).
- siglip_text: `SiglipTextModel` (no prefix); siglip_full: `SiglipModel` (`logit_scale`, `logit_bias`).

io holds `input_ids` and `attention_mask` [B, N] (I64), `last_hidden_state`, `pooler_output`, and for the
projection / full models `text_embeds` (normalised, as CLIPModel normalises), for the full models `pixel_values`,
`image_embeds` (normalised), `logits_per_image` [images, texts] and `probs` (CLIP: softmax over the texts; SigLIP:
sigmoid per pair).
"""
import os

import torch
from safetensors.torch import save_file
from transformers import (CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, SiglipConfig,
                          SiglipModel, SiglipTextConfig, SiglipTextModel)

from common import FIXTURES, randomize_, seed_everything, versions

g = seed_everything(1313)
VOCAB, N = 99, 12


def write(case, model, tensors, prefix=None):
    folder = os.path.join(FIXTURES, "text", case)
    os.makedirs(folder, exist_ok=True)
    model.config.save_pretrained(folder)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if prefix:
        state = {prefix + k: v for k, v in state.items()}
    save_file(state, os.path.join(folder, "model.safetensors"), metadata={k: str(v) for k, v in versions().items()})
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "io.safetensors"),
              metadata={k: str(v) for k, v in versions().items()})
    print(f"wrote text/{case} ({len(state)} weights)")


def clip_ids(eos, argmax_rule):
    """Three sequences: bos, words, eos, then padding (pad = eos, as OpenAI's tokenizer pads); one unpadded."""
    bos = VOCAB - 2
    rows, masks = [], []
    for length in (5, 9, N):
        words = torch.randint(1, VOCAB - 3, (length - 2,), generator=g).tolist()
        row = [bos] + words + [eos] + [eos] * (N - length)
        rows.append(row)
        masks.append([1] * length + [0] * (N - length))
    return torch.tensor(rows), torch.tensor(masks)


def text_config(**extra):
    return dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=N, **extra)


# CLIPTextModel, first-eos rule (eos = VOCAB - 1, the largest id here, as in CLIP's vocabulary).
config = CLIPTextConfig(**text_config(eos_token_id=VOCAB - 1, bos_token_id=VOCAB - 2, pad_token_id=VOCAB - 1))
model = CLIPTextModel(config).eval(); randomize_(model, g)
ids, mask = clip_ids(VOCAB - 1, False)
with torch.no_grad():
    out = model(input_ids=ids, attention_mask=mask)
write("clip_text", model, {"input_ids": ids, "attention_mask": mask, "last_hidden_state": out.last_hidden_state,
                           "pooler_output": out.pooler_output})

# CLIPTextModelWithProjection with an old config (eos_token_id 2: pooled at the largest id), `text_model.` keys.
config = CLIPTextConfig(**text_config(eos_token_id=2, bos_token_id=VOCAB - 2, pad_token_id=1, projection_dim=24))
model = CLIPTextModelWithProjection(config).eval(); randomize_(model, g)
ids, mask = clip_ids(VOCAB - 1, True)
ids[2, 4] = VOCAB - 1  # an end-of-text id inside the third row: argmax takes the first of the largest ids
with torch.no_grad():
    out = model(input_ids=ids, attention_mask=mask)
write("clip_text_projection_argmax", model, {"input_ids": ids, "attention_mask": mask,
                                             "last_hidden_state": out.last_hidden_state, "text_embeds": out.text_embeds})

# CLIPModel: both towers.
config = CLIPConfig(text_config=text_config(eos_token_id=VOCAB - 1, bos_token_id=VOCAB - 2, pad_token_id=VOCAB - 1),
                    vision_config=dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                                       image_size=32, patch_size=8),
                    projection_dim=24, logit_scale_init_value=2.6592)
model = CLIPModel(config).eval(); randomize_(model, g)
with torch.no_grad():
    model.logit_scale.fill_(2.1)
ids, mask = clip_ids(VOCAB - 1, False)
pixels = torch.randn(2, 3, 32, 32, generator=g)
with torch.no_grad():
    out = model(input_ids=ids, attention_mask=mask, pixel_values=pixels)
write("clip_full", model, {"input_ids": ids, "attention_mask": mask, "pixel_values": pixels, "text_embeds": out.text_embeds,
                           "image_embeds": out.image_embeds, "logits_per_image": out.logits_per_image,
                           "probs": out.logits_per_image.softmax(dim=-1)})


def siglip_ids():
    """SigLIP's tokenizer pads to max length with the pad id and returns no mask: the model attends to the pads."""
    eos, pad = VOCAB - 1, 1
    rows = []
    for length in (4, 8, N):
        words = torch.randint(2, VOCAB - 2, (length - 1,), generator=g).tolist()
        rows.append(words + [eos] + [pad] * (N - length))
    return torch.tensor(rows)


config = SiglipTextConfig(**text_config(projection_size=20))
model = SiglipTextModel(config).eval(); randomize_(model, g)
ids = siglip_ids()
with torch.no_grad():
    out = model(input_ids=ids)
write("siglip_text", model, {"input_ids": ids, "attention_mask": torch.ones_like(ids),
                             "last_hidden_state": out.last_hidden_state, "pooler_output": out.pooler_output})

config = SiglipConfig(text_config=text_config(),
                      vision_config=dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                                         image_size=32, patch_size=8))
model = SiglipModel(config).eval(); randomize_(model, g)
with torch.no_grad():
    model.logit_scale.fill_(2.3)
    model.logit_bias.fill_(-1.7)
ids = siglip_ids()
pixels = torch.randn(2, 3, 32, 32, generator=g)
with torch.no_grad():
    out = model(input_ids=ids, pixel_values=pixels)
write("siglip_full", model, {"input_ids": ids, "attention_mask": torch.ones_like(ids), "pixel_values": pixels,
                             "text_embeds": out.text_embeds, "image_embeds": out.image_embeds,
                             "logits_per_image": out.logits_per_image, "probs": torch.sigmoid(out.logits_per_image)})
