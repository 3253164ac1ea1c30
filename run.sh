#!/usr/bin/env bash
# The main job. Installs what is missing, builds vlblocks in release mode and runs it.
# With no arguments it runs the connector comparison on built-in defaults: `vlblocks compare --quick`.
#   ./run.sh                          # compare --quick
#   ./run.sh compare --csv out.csv    # any vlblocks command and options
set -euo pipefail
cd "$(dirname "$0")"
Scripts/install-dependencies.sh
swift build -c release --product vlblocks >&2
if [ "$#" -eq 0 ]; then set -- compare --quick; fi
exec .build/release/vlblocks "$@"
