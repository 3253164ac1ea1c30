#!/usr/bin/env python3
"""Times the reference tokenizers on a corpus; called by the VLTextBenchmark executable.

Pinned: transformers 5.23.0, tokenizers 0.23.3, sentencepiece 0.2.3 (Python 3.11).

Thread count is chosen by the caller through the environment, before `tokenizers` is imported:
TOKENIZERS_PARALLELISM=false for one thread, RAYON_NUM_THREADS=N with TOKENIZERS_PARALLELISM=true for N.
Prints one JSON object: texts per second for each measured path (best of the repetitions).

    python Tools/bench_rust_tokenizers.py --kind clip --folder DIR --corpus corpus.json --repetitions 5
"""

import argparse
import json
import os
import time
import warnings


def best_rate(function, count, repetitions):
    function()  # warm-up (fills the BPE cache, as in the Swift run)
    best = 0.0
    for _ in range(repetitions):
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
        best = max(best, count / elapsed)
    return best


def main():
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["clip", "siglip"], required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--skip-transformers", action="store_true")
    args = parser.parse_args()

    import tokenizers
    import transformers
    from transformers import AutoTokenizer

    with open(args.corpus, encoding="utf-8") as f:
        texts = json.load(f)["texts"]
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    result = {"texts": len(texts), "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
              "threads": os.environ.get("RAYON_NUM_THREADS", "1")
              if os.environ.get("TOKENIZERS_PARALLELISM", "true") != "false" else "1"}
    if args.kind == "clip":
        backend = tokenizer.backend_tokenizer
        backend.enable_truncation(max_length=tokenizer.model_max_length)
        backend.enable_padding(length=tokenizer.model_max_length, pad_id=tokenizer.pad_token_id,
                               pad_token=tokenizer.pad_token)
        result["rust_encode_batch"] = best_rate(lambda: backend.encode_batch(texts), len(texts), args.repetitions)
        if hasattr(backend, "encode_batch_fast"):
            result["rust_encode_batch_fast"] = best_rate(lambda: backend.encode_batch_fast(texts), len(texts),
                                                         args.repetitions)
    if not args.skip_transformers:
        result["transformers_call"] = best_rate(
            lambda: tokenizer(texts, padding="max_length", truncation=True), len(texts),
            args.repetitions if args.kind == "clip" else 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
