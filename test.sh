#!/usr/bin/env bash
# The test suite, as CI runs it. Installs what is missing, then:
#   1. swift test: unit tests, golden fixtures against PyTorch, CLI tests, a seeded fuzz smoke run;
#   2. the public API check (no public declaration takes or returns a pointer) and the example package that
#      defines a connector outside VLBlocks, built against the public API alone and run against transformers;
#   3. the concurrency tests, the tokenizers' threaded batches, pair mining and collection embedding (decode
#      prefetch) again under ThreadSanitizer (separate build folder .build-tsan);
#   4. a `vlblocks encode --image` run under valgrind memcheck.
# Pass --unit to run step 1 only.
set -euo pipefail
cd "$(dirname "$0")"
Scripts/install-dependencies.sh
swift test
if [ "${1:-}" = "--unit" ]; then exit 0; fi
swift package dump-symbol-graph --minimum-access-level public >/dev/null
python3 Scripts/check-public-api.py
fixture=Tests/Fixtures/connectors/pixel_shuffle
swift run --package-path Examples/PixelShuffleConnector pixel-shuffle-demo \
  $fixture/config.json $fixture/weights.safetensors $fixture/io.safetensors
swift test --sanitize=thread --scratch-path .build-tsan \
  --filter "Concurrency|concurrencyAgrees|BlindPairTests|EmbeddingTests"
Scripts/memcheck-encode.sh
