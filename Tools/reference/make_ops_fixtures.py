"""Golden fixtures for VLCore's tensor operations (the composition layer new modules are written in), from
PyTorch's own functions.

Regenerate (from the repository root):
    /tmp/vlref/bin/python Tools/reference/make_ops_fixtures.py

Writes Tests/Fixtures/core/ops.safetensors: for each case `<case>.in*` (inputs) and `<case>.out` (PyTorch's
result); the Swift test (Tests/VLCoreTests/TensorOperationTests.swift) names the same cases and calls the
matching Tensor operation. Deterministic: fixed seed, one thread.
"""
import torch
import torch.nn.functional as F

from common import save, seed_everything

g = seed_everything(4321)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


t = {}


def case(name, out, *inputs):
    for i, x in enumerate(inputs):
        t[f"{name}.in{i}"] = x
    t[f"{name}.out"] = out


# Shape operations (exact).
x = randn(2, 3, 4, 5)
case("permute_0213", x.permute(0, 2, 1, 3), x)
case("permute_3102", x.permute(3, 1, 0, 2), x)
y = randn(3, 37, 41)
case("transpose_last", y.transpose(-2, -1), y)
case("narrow_axis2", x.narrow(2, 1, 2), x)
case("select_axis1", x.select(1, 2), x)
a, b = randn(2, 3, 4), randn(2, 5, 4)
case("cat_axis1", torch.cat([a, b], 1), a, b)
c = randn(2, 3, 4)
case("stack_axis1", torch.stack([a, c], 1), a, c)
case("stack_last", torch.stack([a, c], -1), a, c)
e = randn(3, 1, 5)
case("expand", e.expand(2, 3, 4, 5), e)

# Broadcasting arithmetic.
p, q1, q2, q3 = randn(2, 3, 4), randn(4), randn(3, 1), randn(2, 1, 4)
case("add_row", p + q1, p, q1)
case("sub_column", p - q2, p, q2)
case("mul_middle", p * q3, p, q3)
case("div_pair", p / (q3.abs() + 0.5), p, q3.abs() + 0.5)
case("sub_left_broadcast", q2 - p, q2, p)

# Reductions.
r = randn(3, 5, 7)
case("sum_axis1", r.sum(1), r)
case("mean_last_keepdim", r.mean(-1, keepdim=True), r)
case("amax_axis0", r.amax(0), r)
case("normalize_last", r / r.norm(dim=-1, keepdim=True), r)

# Softmax and norms.
s = randn(2, 6, 9, scale=3.0)
case("softmax_last", torch.softmax(s, -1), s)
case("softmax_axis1", torch.softmax(s, 1), s)
w, bias = 1 + randn(9, scale=0.3), randn(9, scale=0.3)
case("layer_norm", F.layer_norm(s, (9,), w, bias, 1e-5), s, w, bias)
case("rms_norm", F.rms_norm(s, (9,), w, 1e-6), s, w)

# Products.
m1, m2 = randn(2, 3, 5, 7), randn(7, 4)
case("matmul_shared", m1 @ m2, m1, m2)
m3, m4 = randn(2, 1, 5, 7), randn(3, 7, 4)
case("matmul_broadcast", m3 @ m4, m3, m4)
m5 = randn(2, 3, 6, 7)
case("matmul_transposed", m1 @ m5.transpose(-2, -1), m1, m5)
v = randn(7)
case("matmul_vector", m1 @ v, m1, v)
lx, lw, lb = randn(2, 3, 7), randn(5, 7), randn(5)
case("linear", F.linear(lx, lw, lb), lx, lw, lb)

# Pooling and convolution.
im = randn(2, 3, 7, 5)
case("adaptive_avg_pool2d", F.adaptive_avg_pool2d(im, (3, 2)), im)
tokens = randn(2, 8 * 6, 10)  # an 8 x 6 grid, channels last
grid_map = tokens.transpose(1, 2).reshape(2, 10, 8, 6)
case("adaptive_avg_pool_tokens_8x6", F.adaptive_avg_pool2d(grid_map, (3, 3)).flatten(2).transpose(1, 2), tokens)
cw, cb = randn(4, 2, 3, 3, scale=0.3), randn(4)
ci = randn(2, 4, 9, 8)
case("conv2d_groups", F.conv2d(ci, cw, cb, stride=2, padding=1, groups=2), ci, cw, cb)

# Attention: F.scaled_dot_product_attention with a causal and with a padding (boolean) mask.
qa, ka, va = randn(2, 3, 5, 8), randn(2, 3, 7, 8), randn(2, 3, 7, 6)
case("sdpa_plain", F.scaled_dot_product_attention(qa, ka, va), qa, ka, va)
qc = randn(2, 3, 6, 8)
kc, vc = randn(2, 3, 6, 8), randn(2, 3, 6, 8)
case("sdpa_causal", F.scaled_dot_product_attention(qc, kc, vc, is_causal=True), qc, kc, vc)
keep = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]], dtype=torch.float32)
bool_mask = keep.bool()[:, None, None, :]  # [B, 1, 1, N]
case("sdpa_padding", F.scaled_dot_product_attention(qa, ka, va, attn_mask=bool_mask, scale=0.3), qa, ka, va, keep)

save("core/ops.safetensors", t)
