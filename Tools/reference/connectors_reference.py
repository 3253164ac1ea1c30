"""PyTorch definitions of VLBlocks' connectors and feature mixers, written from the connector contract
(Docs/Connectors.md): LLaVA's mlp2x_gelu, MM1's average and attention pooling, Honeybee's C-Abstractor
(built from timm's RegStage), and the Eyes-Wide-Shut mixtures A-MoF and I-MoF.

Parameter names are the checkpoint keys of the contract. Used by make_connector_fixtures.py; the peer
benchmark ../shared/peers/connectors.py builds the same modules.
"""
import math

import torch
import torch.nn as nn
from timm.layers import LayerNorm2d
from timm.models.regnet import RegStage


def readout(depth, d_in, d_out):
    """Linear(d_in, d_out), then (SiLU, Linear(d_out, d_out)) x (depth - 1); identity for depth 0."""
    if depth == 0:
        return nn.Identity()
    layers = [nn.Linear(d_in, d_out)]
    for _ in range(1, depth):
        layers += [nn.SiLU(), nn.Linear(d_out, d_out)]
    return nn.Sequential(*layers)


class MLP2xGELU(nn.Sequential):
    def __init__(self, c):
        super().__init__(nn.Linear(c["encoder_hidden_size"], c["output_hidden_size"]), nn.GELU(),
                         nn.Linear(c["output_hidden_size"], c["output_hidden_size"]))


class AvgPool(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.side = math.isqrt(c["num_queries"])
        self.readout = readout(c.get("mlp_depth", 1), c["encoder_hidden_size"], c["output_hidden_size"])

    def forward(self, x, grid=None):
        b, n, d = x.shape
        h, w = grid if grid is not None else (math.isqrt(n), math.isqrt(n))
        x = nn.functional.adaptive_avg_pool2d(x.transpose(1, 2).reshape(b, d, h, w), self.side)
        return self.readout(x.flatten(2).transpose(1, 2))


class ProbeMLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, inner), nn.Linear(inner, d)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x), approximate="tanh"))


class AttnPool(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["encoder_hidden_size"]
        self.probe = nn.Parameter(torch.randn(1, c["num_queries"], d))
        self.attention = nn.MultiheadAttention(d, c["num_heads"], batch_first=True)
        self.layernorm = nn.LayerNorm(d, eps=c.get("layer_norm_eps", 1e-6))
        self.mlp = ProbeMLP(d, c.get("intermediate_size", 4 * d))
        self.readout = readout(c.get("mlp_depth", 1), d, c.get("output_hidden_size", d))

    def forward(self, x):
        h = self.attention(self.probe.expand(x.shape[0], -1, -1), x, x, need_weights=False)[0]
        h = h + self.mlp(self.layernorm(h))
        return self.readout(h)


class CAbstractor(nn.Module):
    def __init__(self, c, input_tokens, pos_rows=None):
        super().__init__()
        dv, hidden = c["encoder_hidden_size"], c.get("hidden_size", c["encoder_hidden_size"])
        depth = c.get("depth", 3)
        self.pos_emb = nn.Parameter(torch.randn(1, pos_rows or input_tokens, dv)) if c.get("pos_emb", True) else None
        stage = lambda i, o: RegStage(depth, i, o, stride=1, dilation=1, act_layer=nn.SiLU, norm_layer=LayerNorm2d)
        self.net = nn.Sequential(stage(dv, hidden), nn.AdaptiveAvgPool2d(math.isqrt(c["num_queries"])), stage(hidden, hidden))
        self.readout = readout(c.get("mlp_depth", 2), hidden, c["output_hidden_size"])

    def forward(self, x):
        if self.pos_emb is not None:
            pos = self.pos_emb
            if pos.shape[1] == x.shape[1] + 1:  # older checkpoints carry a leading class-token row
                pos = pos[:, 1:]
            x = x + pos
        b, n, d = x.shape
        g = math.isqrt(n)
        x = self.net(x.transpose(1, 2).reshape(b, d, g, g))
        return self.readout(x.flatten(2).transpose(1, 2))


def build(c, input_tokens=None, pos_rows=None):
    kind = c["projector_type"]
    if kind == "mlp2x_gelu":
        return MLP2xGELU(c)
    if kind == "avg-pool":
        return AvgPool(c)
    if kind == "attn-pool":
        return AttnPool(c)
    if kind == "c-abs":
        return CAbstractor(c, input_tokens, pos_rows)
    raise ValueError(kind)


class IMoF(nn.Module):
    """Each encoder through its own projector, then interleaved token by token: c0, d0, c1, d1, ..."""

    def __init__(self, c, input_tokens=None):
        super().__init__()
        self.mm_projector = build(c["clip_projector"], input_tokens)
        self.dino_mm_projector = build(c["dino_projector"], input_tokens)

    def forward(self, clip, dino):
        a, b = self.mm_projector(clip), self.dino_mm_projector(dino)
        return torch.stack([a, b], dim=2).flatten(1, 2)


class AMoF(nn.Module):
    """alpha * clip + (1 - alpha) * dino in feature space, then one projector."""

    def __init__(self, c, input_tokens=None):
        super().__init__()
        self.alpha = c["alpha"]
        self.mm_projector = build(c["projector"], input_tokens)

    def forward(self, clip, dino):
        return self.mm_projector(self.alpha * clip + (1 - self.alpha) * dino)
