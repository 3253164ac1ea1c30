#!/usr/bin/env bash
# The test suite, as CI runs it. Installs what is missing, then:
#   1. swift test: unit tests, golden fixtures against PyTorch, CLI tests, a seeded fuzz smoke run;
#   2. the concurrency tests again under ThreadSanitizer (separate build folder .build-tsan);
#   3. a `vlblocks encode --image` run under valgrind memcheck.
# Pass --unit to run step 1 only.
set -euo pipefail
cd "$(dirname "$0")"
Scripts/install-dependencies.sh
swift test
if [ "${1:-}" = "--unit" ]; then exit 0; fi
swift test --sanitize=thread --scratch-path .build-tsan --filter Concurrency
Scripts/memcheck-encode.sh
