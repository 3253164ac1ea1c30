"""Golden fixtures for VLCore's kernels, from PyTorch's own functions.

Regenerate (from the repository root):
    python3 -m venv /tmp/vlref && /tmp/vlref/bin/pip install -r Tools/reference/requirements.txt
    /tmp/vlref/bin/python Tools/reference/make_core_fixtures.py

Writes Tests/Fixtures/core/*.safetensors. Each file holds the inputs, the parameters and the expected
outputs of one kernel; tensor names are documented next to each case below. Deterministic: fixed
seeds, one thread, deterministic algorithms.
"""
import math

import torch
import torch.nn.functional as F

from common import save, seed_everything

g = seed_everything(1234)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


# linear: x [3, 5, 37] -> F.linear(x, weight [19, 37], bias [19])
x, w, b = randn(3, 5, 37), randn(19, 37, scale=0.2), randn(19)
save("core/linear.safetensors", {"input": x, "weight": w, "bias": b, "output": F.linear(x, w, b)})

# gemm: a [17, 33] @ b [33, 29], and a [197, 64] @ c [197, 64]^T (attention scores shape)
a, bm, c = randn(17, 33), randn(33, 29), randn(197, 64)
save("core/gemm.safetensors", {"a": a, "b": bm, "ab": a @ bm, "c": c, "c_ct": c @ c.T})

# layer_norm over the last dim, widths 1, 3, 17, 197: input_W, weight_W, bias_W, output_W (eps 1e-6)
cases = {}
for width in (1, 3, 17, 197):
    xi = randn(2, 5, width, scale=3.0) + 1.5
    wi, bi = 1 + randn(width, scale=0.5), randn(width, scale=0.5)
    cases[f"input_{width}"] = xi
    cases[f"weight_{width}"] = wi
    cases[f"bias_{width}"] = bi
    cases[f"output_{width}"] = F.layer_norm(xi, (width,), wi, bi, eps=1e-6)
save("core/layer_norm.safetensors", cases, eps="1e-6")

# layer_norm_2d: timm LayerNorm2d semantics, layer norm over C of NCHW, eps 1e-5
x = randn(2, 13, 5, 7, scale=2.0)
w, b = 1 + randn(13, scale=0.5), randn(13, scale=0.5)
y = F.layer_norm(x.permute(0, 2, 3, 1), (13,), w, b, eps=1e-5).permute(0, 3, 1, 2)
save("core/layer_norm_2d.safetensors", {"input": x, "weight": w, "bias": b, "output": y}, eps="1e-5")

# softmax over the last dim: input [6, 197] with large logits; row 5 has -inf (masked) entries
x = randn(6, 197, scale=8.0)
x[5, ::3] = -math.inf
save("core/softmax.safetensors", {"input": x, "output": torch.softmax(x, dim=-1)})

# activations: input [4096] spanning [-12, 12] plus random values
x = torch.cat([torch.linspace(-12, 12, 2001), randn(2095, scale=4.0)])
save(
    "core/activations.safetensors",
    {
        "input": x,
        "gelu": F.gelu(x),
        "gelu_pytorch_tanh": F.gelu(x, approximate="tanh"),
        "quick_gelu": x * torch.sigmoid(1.702 * x),
        "silu": F.silu(x),
        "sigmoid": torch.sigmoid(x),
    },
)

# conv2d cases: input, weight, bias (when used), output; geometry in the metadata of each file
conv_cases = {
    # name: (input shape, out channels, kernel, stride, padding, groups, bias)
    "grouped": ((2, 6, 9, 11), 4, 3, 2, 1, 2, True),
    "depthwise": ((2, 8, 7, 5), 8, 3, 1, 1, 8, False),
    "pointwise": ((2, 5, 4, 6), 7, 1, 1, 0, 1, False),
    "patchify": ((2, 3, 16, 12), 10, 4, 4, 0, 1, True),
}
for name, (shape, out_ch, k, s, p, groups, has_bias) in conv_cases.items():
    x = randn(*shape)
    w = randn(out_ch, shape[1] // groups, k, k, scale=0.3)
    bias = randn(out_ch) if has_bias else None
    y = F.conv2d(x, w, bias, stride=s, padding=p, groups=groups)
    tensors = {"input": x, "weight": w, "output": y}
    if bias is not None:
        tensors["bias"] = bias
    save(f"core/conv2d_{name}.safetensors", tensors, out_channels=out_ch, kernel=k, stride=s, padding=p, groups=groups)

# adaptive_avg_pool2d: input_HxW, output_HxW_to_OHxOW (uneven windows at 27 -> 8 and 7x5 -> 3x4)
pool = {}
for (h, w_), outs in {(24, 24): [(8, 8), (12, 12)], (27, 27): [(8, 8), (12, 12)], (7, 5): [(3, 4)]}.items():
    x = randn(2, 3, h, w_)
    pool[f"input_{h}x{w_}"] = x
    for oh, ow in outs:
        pool[f"output_{h}x{w_}_to_{oh}x{ow}"] = F.adaptive_avg_pool2d(x, (oh, ow))
save("core/adaptive_avg_pool.safetensors", pool)

# bicubic interpolation of [1, C, H, W], align_corners=False:
#   input_HxW, bicubic_HxW_to_OHxOW, antialias_HxW_to_OHxOW (size=...), and scale-factor mode
interp = {}
for (h, w_), outs in {(7, 7): [(9, 11), (14, 14), (5, 3)], (16, 16): [(7, 5), (24, 24)], (4, 6): [(10, 4)]}.items():
    x = randn(1, 5, h, w_)
    interp[f"input_{h}x{w_}"] = x
    for oh, ow in outs:
        interp[f"bicubic_{h}x{w_}_to_{oh}x{ow}"] = F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False)
        interp[f"antialias_{h}x{w_}_to_{oh}x{ow}"] = F.interpolate(
            x, size=(oh, ow), mode="bicubic", align_corners=False, antialias=True
        )
# older DINOv2 code: scale_factor = ((H + 0.1) / h) with the output size floor(h * scale_factor)
x = interp["input_7x7"]
sf = ((9 + 0.1) / 7, (11 + 0.1) / 7)
interp["scale_factor_7x7_to_9x11"] = F.interpolate(x, scale_factor=sf, mode="bicubic", align_corners=False)
save("core/bicubic.safetensors", interp, scale_factor_h=repr(sf[0]), scale_factor_w=repr(sf[1]))
