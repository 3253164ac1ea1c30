#!/usr/bin/env bash
# The test suite. Installs what is missing, then runs every test (unit, golden fixtures, CLI).
set -euo pipefail
cd "$(dirname "$0")"
Scripts/install-dependencies.sh
swift test "$@"
