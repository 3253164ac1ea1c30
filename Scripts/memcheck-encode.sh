#!/usr/bin/env bash
# Runs `vlblocks encode --image` (image decoding, preprocessing, a DINOv2-with-registers tower from a sharded
# checkpoint, all hidden states) under valgrind memcheck, then `vlblocks bench decode` on every image-format fixture
# (both alpha modes, both 16-bit grey modes) and on each broken one; fails on any memory error or definite leak.
# Valgrind sees inside the system's image libraries, which the fuzzers' AddressSanitizer does not instrument.
# valgrind 3.19 cannot read the DWARF 5 the Swift 6 toolchain emits, so it runs a stripped copy.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq valgrind >/dev/null; }
swift build -c release --product vlblocks >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip -o "$work/vlblocks" .build/release/vlblocks
memcheck() {
  valgrind --quiet --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite --error-exitcode=3 "$work/vlblocks" "$@"
}
memcheck encode --checkpoint Tests/Fixtures/encoders/dinov2_registers_sharded \
  --image Tests/Fixtures/images/coffee.jpg --output "$work/out.safetensors" --hidden-states
formats=Tests/Fixtures/images/formats
images=$(ls "$formats"/*.* | grep -v safetensors)
memcheck bench decode $images --runs 1 >/dev/null
memcheck bench decode $images --runs 1 --alpha white --grey16 scale >/dev/null
for broken in "$formats"/bad/*; do
  status=0
  memcheck bench decode "$broken" --runs 1 >/dev/null 2>&1 || status=$?
  if [ "$status" -ne 1 ]; then echo "memcheck: $broken: exit status $status (1 expected: refused, no memory error)" >&2; exit 1; fi
done
echo "memcheck: no memory errors, no definite leaks"
