#!/usr/bin/env bash
# Installs the system libraries VLBlocks links against, when they are missing (Debian/Ubuntu):
#   libopenblas-dev, liblapacke-dev (BLAS/LAPACKE), libpng-dev, libjpeg62-turbo-dev (images), pkg-config.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail

have_all() {
  command -v pkg-config >/dev/null 2>&1 &&
    pkg-config --exists openblas lapacke libpng libjpeg 2>/dev/null
}

if have_all; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "VLBlocks needs OpenBLAS, LAPACKE, libpng, libjpeg and pkg-config; install them with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The package lists first: on a fresh machine apt-cache knows nothing before an update.
$sudo apt-get update -qq
jpeg=libjpeg62-turbo-dev
if ! apt-cache show "$jpeg" >/dev/null 2>&1; then jpeg=libjpeg-turbo8-dev; fi  # Ubuntu's name
echo "Installing system libraries (apt): libopenblas-dev liblapacke-dev libpng-dev $jpeg pkg-config" >&2
$sudo apt-get install -y -qq --no-install-recommends libopenblas-dev liblapacke-dev libpng-dev "$jpeg" pkg-config >/dev/null
have_all || { echo "system libraries still missing after apt-get install" >&2; exit 1; }
