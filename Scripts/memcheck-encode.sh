#!/usr/bin/env bash
# Runs `vlblocks encode --image` (image decoding, preprocessing, a DINOv2-with-registers tower from a sharded
# checkpoint, all hidden states) under valgrind memcheck; fails on any memory error or definite leak.
# valgrind 3.19 cannot read the DWARF 5 the Swift 6 toolchain emits, so it runs a stripped copy.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq valgrind >/dev/null; }
swift build -c release --product vlblocks >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip -o "$work/vlblocks" .build/release/vlblocks
valgrind --quiet --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite --error-exitcode=3 \
  "$work/vlblocks" encode --checkpoint Tests/Fixtures/encoders/dinov2_registers_sharded \
  --image Tests/Fixtures/images/coffee.jpg --output "$work/out.safetensors" --hidden-states
echo "memcheck: no memory errors, no definite leaks"
