"""PyTorch modules of the learned-query connectors, assembled from transformers 5.23.0's own classes as the checkpoints
store them: BLIP-2's Q-Former connector (`query_tokens`, `Blip2QFormerModel`, `language_projection`), IDEFICS2's
`Idefics2Connector`, and the Flamingo / IDEFICS `IdeficsPerceiverResampler`. Each is built from a VLBlocks projector
config (Docs/Connectors.md). Used by make_learned_query_fixtures.py and by Tools/trace/torch_trace.py.
"""
import torch
from torch import nn
from transformers import Blip2QFormerConfig, Idefics2Config, IdeficsConfig
from transformers.models.blip_2.modeling_blip_2 import Blip2QFormerModel
from transformers.models.idefics.perceiver import IdeficsPerceiverResampler
from transformers.models.idefics2.modeling_idefics2 import Idefics2Connector


class QFormerConnector(nn.Module):
    """BLIP-2 from the vision output on: Blip2Model.get_qformer_features + language_projection."""

    def __init__(self, c):
        super().__init__()
        qc = Blip2QFormerConfig(hidden_size=c["hidden_size"], num_hidden_layers=c["num_hidden_layers"],
                                num_attention_heads=c["num_attention_heads"], intermediate_size=c["intermediate_size"],
                                layer_norm_eps=c["layer_norm_eps"], cross_attention_frequency=c["cross_attention_frequency"],
                                encoder_hidden_size=c["encoder_hidden_size"])
        qc._attn_implementation = "eager"
        self.query_tokens = nn.Parameter(torch.zeros(1, c["num_query_tokens"], c["hidden_size"]))
        self.qformer = Blip2QFormerModel(qc)
        self.language_projection = nn.Linear(c["hidden_size"], c["output_hidden_size"])

    def forward(self, image_embeds, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones(image_embeds.shape[:-1], dtype=torch.long)
        query_tokens = self.query_tokens.expand(image_embeds.shape[0], -1, -1)
        out = self.qformer(query_embeds=query_tokens, encoder_hidden_states=image_embeds,
                           encoder_attention_mask=attention_mask.long())
        return self.language_projection(out.last_hidden_state)


def idefics2(c):
    config = Idefics2Config(
        vision_config={"hidden_size": c["encoder_hidden_size"], "num_attention_heads": 2},
        text_config={"model_type": "mistral", "hidden_size": c["hidden_size"], "intermediate_size": c["intermediate_size"],
                     "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu", "rms_norm_eps": c["rms_norm_eps"]},
        perceiver_config={"hidden_size": c["hidden_size"], "resampler_n_latents": c["resampler_n_latents"],
                          "resampler_depth": c["resampler_depth"], "resampler_n_heads": c["resampler_n_heads"],
                          "resampler_head_dim": c["resampler_head_dim"], "num_key_value_heads": c["num_key_value_heads"],
                          "rms_norm_eps": c["rms_norm_eps"], "hidden_act": "silu"})
    config.perceiver_config._attn_implementation = "eager"
    return Idefics2Connector(config).eval()


def flamingo(c):
    hf = IdeficsConfig(vision_config={"embed_dim": c["encoder_hidden_size"]},
                       perceiver_config={"qk_layer_norms_perceiver": c.get("qk_layer_norms_perceiver", False)})
    return IdeficsPerceiverResampler(hf, c["encoder_hidden_size"], c["resampler_depth"], c["resampler_n_heads"],
                                     c["resampler_head_dim"], c["resampler_n_latents"]).eval()


def build(c):
    """The module of a `qformer`, `perceiver-idefics2` or `perceiver-flamingo` config."""
    kind = c["projector_type"]
    if kind == "qformer":
        return QFormerConnector(c).eval()
    if kind == "perceiver-idefics2":
        return idefics2(c)
    if kind == "perceiver-flamingo":
        return flamingo(c)
    raise ValueError(kind)
