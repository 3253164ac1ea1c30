"""Times `vlblocks blind-pairs` against the blocked PyTorch miner (`../shared/peers/pairs.py`) on the same embedding
files, in the same run, and reads both processes' peak resident memory.

Usage: python3 Tools/performance/pairs_benchmark.py --peers ../shared/peers --python /tmp/vlpeers/bin/python
           [--n 100000] [--dim 768] [--threads 2] [--rounds 2]
Writes two files of N random L2-normalised D-wide embeddings (both sides, as `vlblocks embed` writes them) to a
temporary folder, then alternates the two miners. Also measures this machine's sgemm rate (OpenBLAS through numpy,
2048^3, the same threads) so that the tile rate can be read as a fraction of it. Prints JSON lines.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--peers", required=True); p.add_argument("--python", default=sys.executable)
p.add_argument("--binary", default=".build/release/vlblocks")
p.add_argument("--n", type=int, default=100_000); p.add_argument("--dim", type=int, default=768)
p.add_argument("--threads", type=int, default=2); p.add_argument("--rounds", type=int, default=2)
a = p.parse_args()

folder = tempfile.mkdtemp(prefix="vlblocks-pairs-")
rng = np.random.default_rng(0)
for side in ("clip", "dino"):
    x = rng.standard_normal((a.n, a.dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    names = json.dumps([f"img_{k:07d}.png" for k in range(a.n)])
    from safetensors.numpy import save_file
    save_file({"embeddings": x}, os.path.join(folder, f"{side}.safetensors"), metadata={"images": names, "embedding": side, "checkpoint": "random", "failed": "[]"})
    del x

env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads))
probe = "import numpy as np, time; a = np.ones((2048, 2048), np.float32); a @ a; t = time.perf_counter(); [a @ a for _ in range(5)]; print(5 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9)"
sgemm = float(subprocess.run([a.python, "-c", probe], capture_output=True, text=True, env=env).stdout)
print(json.dumps({"sgemm_gflops": round(sgemm, 1), "threads": a.threads}))


def timed(command):
    start = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return seconds, rss, run


_, idle, _ = timed([a.binary, "blind-pairs", "--help"])
print(json.dumps({"vlblocks_idle_rss_mb": round(idle / 1024, 1)}), flush=True)

for r in range(a.rounds):
    s, rss, run = timed([a.binary, "blind-pairs", "--clip", f"{folder}/clip.safetensors", "--dino", f"{folder}/dino.safetensors",
                         "--csv", f"{folder}/pairs.csv", "--threads", str(a.threads)])
    tile = float(re.search(r"\(([\d.]+) GFLOP/s\)", run.stderr).group(1))
    print(json.dumps({"runtime": "vlblocks", "seconds": round(s, 2), "tile_gflops": tile, "tile_vs_sgemm": round(tile / sgemm, 3),
                      "peak_rss_mb": round(rss / 1024, 1), "matrices_mb": round(2 * a.n * a.dim * 4 / 2**20, 1),
                      "above_matrices_and_idle_mb": round((rss - idle) / 1024 - 2 * a.n * a.dim * 4 / 2**20, 1)}), flush=True)
    s, rss, run = timed([a.python, os.path.join(a.peers, "pairs.py"), "--clip", f"{folder}/clip.safetensors", "--dino",
                         f"{folder}/dino.safetensors", "--threads", str(a.threads)])
    print(json.dumps({"runtime": "torch", "seconds": round(s, 2), "peak_rss_mb": round(rss / 1024, 1), "report": json.loads(run.stdout)}), flush=True)
