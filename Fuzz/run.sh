#!/usr/bin/env bash
# Builds the libFuzzer harnesses with AddressSanitizer and runs each for RUNS iterations (default 1,000,000)
# from seed corpora made of the test fixtures. Usage: Fuzz/run.sh [RUNS] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-1000000}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(FuzzSafeTensors FuzzConfigs FuzzShardedIndex FuzzImages FuzzWebP FuzzGIF FuzzBMP FuzzTIFF); fi
# One product at a time: a plain `swift build` would also build the root package's `vlblocks` executable, whose
# top-level code does not compile with -parse-as-library.
for target in "${targets[@]}"; do
  # -Xcc: VLBlocks' own C (the image codec shim) gets coverage feedback and AddressSanitizer too; the system libraries
  # behind it are not instrumented.
  swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    -Xcc -fsanitize=fuzzer-no-link,address --product "$target" >&2
done
fixtures=../Tests/Fixtures
seed() {
  local dir=.corpus/$1; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/" || true; done
}
seed FuzzSafeTensors $fixtures/safetensors/valid/*.safetensors $fixtures/safetensors/malformed/*.safetensors $fixtures/core/linear.safetensors
seed FuzzConfigs $fixtures/encoders/*/config.json $fixtures/connectors/*/config.json
seed FuzzShardedIndex $fixtures/encoders/dinov2_registers_sharded/model.safetensors.index.json
seed FuzzImages $fixtures/images/*.png $fixtures/images/*.jpg $fixtures/images/bad/* $fixtures/images/formats/*.png \
  $fixtures/images/formats/*.jpg $fixtures/images/formats/bad/*.png $fixtures/images/formats/bad/*.jpg
seed FuzzWebP $fixtures/images/formats/*.webp $fixtures/images/formats/bad/*.webp
seed FuzzGIF $fixtures/images/formats/*.gif $fixtures/images/formats/bad/*.gif $fixtures/images/bad/not_an_image.jpg
seed FuzzBMP $fixtures/images/formats/*.bmp $fixtures/images/formats/bad/*.bmp
seed FuzzTIFF $fixtures/images/formats/*.tif $fixtures/images/formats/bad/*.tif
for target in "${targets[@]}"; do
  echo "== $target: $runs runs" >&2
  max_len=65536
  case "$target" in FuzzImages|FuzzWebP|FuzzGIF|FuzzBMP|FuzzTIFF) max_len=16384 ;; esac  # decoding dominates; small images explore as much
  # SWIFT_BACKTRACE: a Swift trap is reported by libFuzzer with its stack (the runtime's backtracer trips ASan).
  VLBLOCKS_FUZZ_SHARDS=$fixtures/encoders/dinov2_registers_sharded ASAN_OPTIONS=detect_leaks=1 SWIFT_BACKTRACE=enable=no .build/release/$target -runs="$runs" -max_len=$max_len -rss_limit_mb=2048 -print_final_stats=1 \
    .corpus/$target 2>&1 | grep -E "^#[0-9]+ +DONE|stat::|ERROR|SUMMARY|crash|leak" || true
done
