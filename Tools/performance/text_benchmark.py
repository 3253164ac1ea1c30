"""Text towers and tokenizers against the peers, on this machine, interleaved in one run; prints ratios
(peer time / VLBlocks time, above 1 means VLBlocks is faster).

Towers: random weights of the real sizes (`vlblocks bench text --preset P` and transformers' CLIPTextModel /
SiglipTextModel built from the same config), on the same 1,000 prompt ids (6 to 18 tokens, seed 0) at batch 64,
same thread count, fp32, pooled output. Prompts are padded as the tokenizer pads them for these models
(padding="max_length": 77 for CLIP, 64 for SigLIP). PyTorch is also timed with CLIP rows cut to each batch's
longest prompt (what padding="longest" gives), the fastest way to run it; SigLIP must see all 64 positions.

Tokenizers: `vlblocks bench tokenize` against tools/performance/bench_rust_tokenizers.py (the Rust `tokenizers`
batch encode behind transformers' CLIPTokenizer; transformers' own SiglipTokenizer call), same corpus, same threads.

Usage (repository root, after `swift build -c release --product vlblocks`):
    /tmp/vlpeers/bin/python Tools/performance/text_benchmark.py [--threads 2] [--rounds 3] [--clip-folder DIR]
Pinned: torch 2.15.0, transformers 5.23.0, tokenizers 0.23.3, sentencepiece 0.2.3 (../shared/peers/setup.sh).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--vlblocks", default=".build/release/vlblocks")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--prompts", type=int, default=1000)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--presets", default="clip-b-text,clip-l-text,siglip-b-text")
p.add_argument("--clip-folder", default="Tests/Fixtures/tokenizers/clip-vocab",
               help="CLIP tokenizer files (Tools/reference/make_tokenizer_fixtures.py --real-clip DIR builds the real one)")
p.add_argument("--skip-towers", action="store_true")
p.add_argument("--skip-tokenizers", action="store_true")
a = p.parse_args()

PRESETS = {  # name: (family, vocab, width, inner, layers, heads, positions)
    "clip-b-text": ("clip", 49408, 512, 2048, 12, 8, 77),
    "clip-l-text": ("clip", 49408, 768, 3072, 12, 12, 77),
    "siglip-b-text": ("siglip", 32000, 768, 3072, 12, 12, 64),
    "siglip-so400m-text": ("siglip", 32000, 1152, 4304, 27, 16, 64),
}


def prompts(family, vocab, positions, count):
    rng = np.random.default_rng(0)
    ids, masks = [], []
    for _ in range(count):
        content = rng.integers(3, vocab - 1000, size=int(rng.integers(4, 17))).tolist()
        row = [vocab - 2] + content + [49407] if family == "clip" else content + [1]
        pad = 49407 if family == "clip" else 1
        ids.append(row + [pad] * (positions - len(row)))
        masks.append([1] * len(row) + [0] * (positions - len(row)))
    return ids, masks


def torch_tower(family, vocab, width, inner, layers, heads, positions):
    import torch
    import transformers as T
    torch.manual_seed(0)
    if family == "clip":
        config = T.CLIPTextConfig(vocab_size=vocab, hidden_size=width, intermediate_size=inner, num_hidden_layers=layers,
                                  num_attention_heads=heads, max_position_embeddings=positions, hidden_act="quick_gelu",
                                  eos_token_id=49407)
        return T.CLIPTextModel(config).eval()
    config = T.SiglipTextConfig(vocab_size=vocab, hidden_size=width, intermediate_size=inner, num_hidden_layers=layers,
                                num_attention_heads=heads, max_position_embeddings=positions)
    return T.SiglipTextModel(config).eval()


def time_torch(model, family, ids, masks, cut):
    import torch
    batches = []
    for start in range(0, len(ids), a.batch):
        i, m = ids[start:start + a.batch], masks[start:start + a.batch]
        if cut:
            n = max(sum(row) for row in m)
            i, m = [r[:n] for r in i], [r[:n] for r in m]
        batches.append((torch.tensor(i), torch.tensor(m)))

    def run(batches):
        with torch.inference_mode():
            for i, m in batches:
                model(input_ids=i, attention_mask=m if family == "clip" else None).pooler_output
    run(batches[:1])  # warm-up
    start = time.perf_counter()
    run(batches)
    return (time.perf_counter() - start) * 1000


def vlblocks(arguments):
    out = subprocess.run([a.vlblocks] + arguments, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]


rows = []
if not a.skip_towers:
    import torch
    torch.set_num_threads(a.threads)
    for name in a.presets.split(","):
        family, vocab, width, inner, layers, heads, positions = PRESETS[name]
        ids, masks = prompts(family, vocab, positions, a.prompts)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"input_ids": ids, "attention_mask": masks if family == "clip" else None}, f)
            path = f.name
        model = torch_tower(family, vocab, width, inner, layers, heads, positions)
        padded, cut, ours = [], [], []
        for _ in range(a.rounds):
            padded.append(time_torch(model, family, ids, masks, cut=False))
            if family == "clip":
                cut.append(time_torch(model, family, ids, masks, cut=True))
            ours.append(vlblocks(["bench", "text", "--preset", name, "--ids", path, "--batch", str(a.batch),
                                  "--threads", str(a.threads), "--runs", "1", "--json"])["min_ms"])
        os.unlink(path)
        rows.append((f"{name}, {a.prompts} prompts, batch {a.batch}", f"PyTorch, padded to {positions}", min(padded), min(ours)))
        if cut:
            rows.append((f"{name}, {a.prompts} prompts, batch {a.batch}", "PyTorch, cut to the longest", min(cut), min(ours)))
        del model

if not a.skip_tokenizers:
    corpus = "Tests/Fixtures/tokenizers/corpus.json"
    here = os.path.dirname(os.path.abspath(__file__))
    for kind, folder in [("clip", a.clip_folder), ("siglip", "Tests/Fixtures/tokenizers/siglip")]:
        environment = dict(os.environ, TOKENIZERS_PARALLELISM="true" if a.threads > 1 else "false",
                           RAYON_NUM_THREADS=str(a.threads))
        theirs, ours = {}, []
        for _ in range(a.rounds):
            out = subprocess.run([sys.executable, os.path.join(here, "bench_rust_tokenizers.py"), "--kind", kind, "--folder", folder,
                                  "--corpus", corpus, "--repetitions", "5"], check=True, capture_output=True, text=True,
                                 env=environment).stdout
            result = json.loads(out.splitlines()[-1])
            for key in ("rust_encode_batch", "rust_encode_batch_fast", "transformers_call"):
                if key in result:
                    theirs[key] = max(theirs.get(key, 0), result[key])
            ours.append(vlblocks(["bench", "tokenize", "--checkpoint", folder, "--corpus", corpus, "--threads", str(a.threads),
                                  "--json"])["texts_per_s"])
        count = len(json.load(open(corpus))["texts"])
        for key, rate in theirs.items():
            # As times per corpus, so the ratio reads like the towers' (peer time / VLBlocks time).
            rows.append((f"{kind} tokenizer ({os.path.basename(os.path.normpath(folder))}), {count} texts", key,
                         count / rate * 1000, count / max(ours) * 1000))

print(f"threads {a.threads}, best of {a.rounds} interleaved rounds; ratio = peer ms / VLBlocks ms")
print(f"{'case':58} {'peer':32} {'peer ms':>9} {'VLBlocks ms':>12} {'ratio':>6}")
for case, peer, theirs, mine in rows:
    print(f"{case:58} {peer:32} {theirs:9.1f} {mine:12.1f} {theirs / mine:6.2f}")
