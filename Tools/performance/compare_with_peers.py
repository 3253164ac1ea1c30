"""Times VLBlocks against the peers (PyTorch, onnxruntime) on this machine, interleaved in one run, and
prints ratios (peer time / VLBlocks time; above 1 means VLBlocks is faster).

Usage (from the repository root, after `swift build -c release --product vlblocks`):
    python3 Tools/performance/compare_with_peers.py --peers ../shared/peers --python /tmp/vlpeers/bin/python \
        [--threads 2] [--rounds 3] [--only encoders|connectors]

The peers' Python environment comes from ../shared/peers/setup.sh. Each case runs `rounds` times,
alternating peer and VLBlocks so that machine noise hits both; the best (minimum) time of each is used.
"""
import argparse
import json
import subprocess

p = argparse.ArgumentParser()
p.add_argument("--peers", default="../shared/peers")
p.add_argument("--python", default="/tmp/vlpeers/bin/python")
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--only", choices=["encoders", "connectors"])
a = p.parse_args()


def lines(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def best(results, key):
    merged = {}
    for row in results:
        k = key(row)
        merged[k] = min(merged.get(k, float("inf")), row["min_ms"])
    return merged


rows = []
if a.only in (None, "encoders"):
    cases = [("clip-vit-b16", "vit_base_patch16_224", 224, 1, "torch,onnxruntime"),
             ("clip-vit-b16", "vit_base_patch16_224", 224, 8, "torch,onnxruntime"),
             ("clip-vit-l14-336", "vit_large_patch14_clip_336", 336, 1, "torch")]
    for preset, model, res, batch, runtimes in cases:
        peer, ours = [], []
        for _ in range(a.rounds):
            peer += lines([a.python, f"{a.peers}/vit.py", "--threads", str(a.threads), "--model", model, "--res", str(res),
                           "--batch", str(batch), "--runs", "3", "--runtimes", runtimes])
            ours += lines([a.vlblocks, "bench", "encoder", "--preset", preset, "--resolution", str(res), "--batch",
                           str(batch), "--threads", str(a.threads), "--runs", "3", "--json"])
        mine = min(r["min_ms"] for r in ours)
        for runtime, ms in best(peer, lambda r: r["runtime"]).items():
            rows.append((f"{preset} @ {res} px, batch {batch}", runtime, ms, mine))

if a.only in (None, "connectors"):
    peer, ours = [], []
    for _ in range(a.rounds):
        peer += lines([a.python, f"{a.peers}/connectors.py", "--threads", str(a.threads), "--runs", "5",
                       "--connectors", "avg-pool,attn-pool,c-abs,mlp2x_gelu,qformer,perceiver-idefics2"])
        ours += lines([a.vlblocks, "bench", "connectors", "--threads", str(a.threads), "--runs", "5", "--json"])
    theirs = best(peer, lambda r: (r["connector"], r["tokens"]))
    mine = best(ours, lambda r: (r["connector"], r["tokens"]))
    runtime = peer[0]["runtime"]
    for (name, tokens), ms in theirs.items():
        rows.append((f"{name}, T = {tokens}", runtime, ms, mine[(name, tokens)]))

print(f"| case | peer | peer ms | VLBlocks ms | peer / VLBlocks |")
print(f"|---|---|---|---|---|")
for case, runtime, theirs, mine in rows:
    print(f"| {case} | {runtime} | {theirs:.1f} | {mine:.1f} | {theirs / mine:.2f}x |")
