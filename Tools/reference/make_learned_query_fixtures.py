"""Golden fixtures for the learned-query connectors, from transformers 5.23.0's own modules (random weights under
the real checkpoint keys, every parameter randomised):

- `qformer`: BLIP-2's `query_tokens` + `Blip2QFormerModel` + `language_projection`, assembled as `Blip2Model`
  stores them (keys `query_tokens`, `qformer.*`, `language_projection.*`). The Q-Former's own layernorm is applied
  to the query tokens; the vision tokens (class token included) are cross-attended on layers i % frequency == 0.
- `perceiver-idefics2`: `Idefics2Connector` (`modality_projection`, `perceiver_resampler`), keys as the module
  stores them, and once with the `model.connector.` prefix `Idefics2Model` gives them.
- `perceiver-flamingo`: `IdeficsPerceiverResampler` (`latents`, `blocks.{i}.{0,1}.*`, `layer_norm`).

Regenerate: /tmp/vlref/bin/python Tools/reference/make_learned_query_fixtures.py
Writes Tests/Fixtures/connectors/<case>/{config.json, weights.safetensors, io.safetensors}; io holds
`image_features`, `tokens`, and for masked cases `attention_mask` [B, N] (1 = keep) with `tokens` computed under it.
"""
import json
import os

import torch
from common import FIXTURES, randomize_, save, seed_everything
from learned_query_reference import QFormerConnector, flamingo, idefics2

g = seed_everything(2014)


def write(case, config, state, inputs, outputs):
    folder = os.path.join(FIXTURES, "connectors", case)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save(f"connectors/{case}/weights.safetensors", state)
    save(f"connectors/{case}/io.safetensors", {**inputs, **outputs})


def features(batch, n, width):
    return torch.randn(batch, n, width, generator=g)


def padding_mask(batch, n, keep):
    mask = torch.ones(batch, n)
    for b, k in enumerate(keep):
        mask[b, k:] = 0
    return mask


# Q-Former: cross-attention on every layer (frequency 1) and on every second one (BLIP-2's 2), a padded context.
for case, frequency, layers, mask_keep in [("qformer_every_layer", 1, 2, None), ("qformer_every_second", 2, 3, None),
                                           ("qformer_padded", 2, 2, [20, 37])]:
    config = {"projector_type": "qformer", "hidden_size": 32, "num_hidden_layers": layers, "num_attention_heads": 4,
              "intermediate_size": 48, "layer_norm_eps": 1e-12, "cross_attention_frequency": frequency,
              "encoder_hidden_size": 24, "num_query_tokens": 5, "output_hidden_size": 40}
    module = QFormerConnector(config).eval()
    randomize_(module, g)
    x = features(2, 37, 24)  # 6 x 6 patches + the class token
    inputs = {"image_features": x}
    with torch.no_grad():
        if mask_keep is None:
            tokens = module(x)
        else:
            mask = padding_mask(2, 37, mask_keep)
            inputs["attention_mask"] = mask
            tokens = module(x, mask)
    write(case, config, module.state_dict(), inputs, {"tokens": tokens})


# IDEFICS2: GQA ratio 4 (16 heads over 4 kv heads, as Idefics2PerceiverConfig) and 1, a padded context, and a file
# whose keys carry Idefics2Model's `model.connector.` prefix.
for case, heads, kv_heads, mask_keep, prefixed in [("perceiver_idefics2_gqa4", 8, 2, None, False),
                                                   ("perceiver_idefics2_gqa1", 4, 4, None, True),
                                                   ("perceiver_idefics2_padded", 8, 2, [30, 36], False)]:
    config = {"projector_type": "perceiver-idefics2", "encoder_hidden_size": 24, "intermediate_size": 56, "hidden_size": 32,
              "resampler_n_latents": 6, "resampler_depth": 2, "resampler_n_heads": heads, "resampler_head_dim": 8,
              "num_key_value_heads": kv_heads, "rms_norm_eps": 1e-6}
    module = idefics2(config)
    randomize_(module, g)
    x = features(2, 36, 24)  # patches only
    mask = padding_mask(2, 36, mask_keep) if mask_keep else torch.ones(2, 36)
    with torch.no_grad():
        tokens = module(x, mask.long())
    state = module.state_dict()
    if prefixed:
        state = {"model.connector." + k: v for k, v in state.items()}
    inputs = {"image_features": x}
    if mask_keep:
        inputs["attention_mask"] = mask
    write(case, config, state, inputs, {"tokens": tokens})


# Flamingo / IDEFICS perceiver: with and without the per-head q/k layer norms. (No padding mask: the reference
# takes none.)
for case, qk_norms in [("perceiver_flamingo", False), ("perceiver_flamingo_qk_norms", True)]:
    config = {"projector_type": "perceiver-flamingo", "encoder_hidden_size": 24, "resampler_n_latents": 5,
              "resampler_depth": 2, "resampler_n_heads": 3, "resampler_head_dim": 8, "qk_layer_norms_perceiver": qk_norms}
    module = flamingo(config)
    randomize_(module, g)
    x = features(2, 37, 24)
    with torch.no_grad():
        tokens = module(x)
    write(case, config, module.state_dict(), {"image_features": x}, {"tokens": tokens})
