"""CogVLM's visual-expert layer against its PyTorch reference, on this machine, alternating in one run; prints times and
ratios (PyTorch time / VLBlocks time: above 1 means VLBlocks is faster) and VLBlocks' expert / plain time per token.

Both sides: one decoder layer at the real width with random weights (CogVLM: D 4096, 32 heads, SwiGLU 11008; CogVLM2:
8 key-value heads, SwiGLU 14336, vision QKV bias), batch 1, a sequence of bos, --vision vision-typed positions (boi,
patches, eoi) and --text - 1 language positions, fp32, the same thread count, no padding. The PyTorch side is the layer
the golden fixtures come from (Tools/reference/cogvlm_reference.py: transformers' LlamaRMSNorm, LlamaRotaryEmbedding,
apply_rotary_pos_emb, repeat_kv, LlamaMLP, CogVLM's routing `out[mask] = expert(x[mask])`, and
F.scaled_dot_product_attention with is_causal, the path CogVLM2's own attention_fn takes without padding), under
torch.inference_mode. "plain" is the same layer with every position typed language: the language expert alone, a
LLaMA layer of the same width.

VLBlocks: `vlblocks bench cogvlm --json` (expert and plain alternating in one process). Rounds alternate between the
two sides (PyTorch first in odd rounds, VLBlocks first in even ones); each side reports its best run of the round. The
table gives the best of all rounds on each side, and the median of the per-round ratios (this machine is shared: other
jobs can double a run's time, so a single round says little).

Usage (repository root, after `swift build -c release --product vlblocks`):
    /tmp/vlpeers/bin/python Tools/performance/cogvlm_benchmark.py [--generation cogvlm] [--vision 1227] [--text 64]
        [--threads 2] [--rounds 2] [--runs 3]
Pinned: torch 2.15.0, transformers 5.23.0 (Tools/reference/requirements.txt).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from cogvlm_reference import VisualExpertLayer, build_position_ids, get_expert_mask  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--generation", default="cogvlm", choices=["cogvlm", "cogvlm2"])
p.add_argument("--vision", type=int, default=1227)
p.add_argument("--text", type=int, default=64)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--rounds", type=int, default=2)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()

CONFIGS = {
    "cogvlm": {"hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32, "rms_norm_eps": 1e-5},
    "cogvlm2": {"hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_multi_query_heads": 8,
                "rms_norm_eps": 1e-5},
}


def vlblocks():
    out = subprocess.run([a.vlblocks, "bench", "cogvlm", "--generation", a.generation, "--vision", str(a.vision),
                          "--text", str(a.text), "--threads", str(a.threads), "--runs", str(a.runs), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]


torch.set_num_threads(a.threads)
torch.manual_seed(0)
config = CONFIGS[a.generation]
layer = VisualExpertLayer(config).eval()
length = a.vision + a.text
x = torch.randn(1, length, config["hidden_size"])
routes = {}
for name, types in [("expert", [0] + [1] * a.vision + [0] * (a.text - 1)), ("plain", [0] * length)]:
    token_type_ids = torch.tensor([types])
    routes[name] = (get_expert_mask(token_type_ids), build_position_ids(token_type_ids))


def torch_ms(name):
    masks, positions = routes[name]
    with torch.inference_mode():
        start = time.perf_counter()
        layer(x, masks, positions, None)
        return (time.perf_counter() - start) * 1000


with torch.inference_mode():  # warm-up
    for name in routes:
        torch_ms(name)

best = {"torch_expert": float("inf"), "torch_plain": float("inf"), "ours_expert": float("inf"), "ours_plain": float("inf")}
gflop = None
ratios, expert_over_plain = [], []
for r in range(a.rounds):
    if r % 2 == 1:
        ours = vlblocks()
    round_torch = {name: min(torch_ms(name) for _ in range(a.runs)) for name in routes}
    if r % 2 == 0:
        ours = vlblocks()
    gflop = float(ours["gflops"])
    round_ours = {"expert": float(ours["expert_min_ms"]), "plain": float(ours["plain_min_ms"])}
    for name in routes:
        best[f"torch_{name}"] = min(best[f"torch_{name}"], round_torch[name])
        best[f"ours_{name}"] = min(best[f"ours_{name}"], round_ours[name])
    ratios.append(round_torch["expert"] / round_ours["expert"])
    expert_over_plain.append(round_ours["expert"] / round_ours["plain"])
    print(f"round {r + 1}: PyTorch expert {round_torch['expert']:.1f} ms, plain {round_torch['plain']:.1f} ms; "
          f"VLBlocks expert {round_ours['expert']:.1f} ms, plain {round_ours['plain']:.1f} ms; "
          f"ratio {round_torch['expert'] / round_ours['expert']:.2f}x, VLBlocks expert/plain {round_ours['expert'] / round_ours['plain']:.3f}",
          flush=True)

print(f"\n{a.generation} layer, {a.vision} vision + {a.text} language positions, {a.threads} threads, {gflop:.1f} GFLOP, "
      f"best of {a.rounds} rounds x {a.runs} runs")
print("| layer | PyTorch 2.15 | VLBlocks | ratio |")
print("|---|---|---|---|")
for name in ("expert", "plain"):
    t, o = best[f"torch_{name}"], best[f"ours_{name}"]
    print(f"| {name} | {t:.1f} ms ({gflop / t * 1000:.0f} GFLOP/s) | {o:.1f} ms ({gflop / o * 1000:.0f} GFLOP/s) | {t / o:.2f}x |")
print(f"median of the per-round ratios (expert): {statistics.median(ratios):.2f}x")
print(f"VLBlocks expert / plain time per token: best {best['ours_expert'] / best['ours_plain']:.3f}, "
      f"median of rounds {statistics.median(expert_over_plain):.3f}; PyTorch best: {best['torch_expert'] / best['torch_plain']:.3f}")
