#!/usr/bin/env bash
# Installs the system libraries VLBlocks links against, when they are missing (Debian/Ubuntu):
#   libopenblas-dev, liblapacke-dev (BLAS/LAPACKE); libpng-dev, libjpeg62-turbo-dev, libwebp-dev, libgif-dev,
#   libtiff-dev (images); pkg-config.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail

have_all() {
  command -v pkg-config >/dev/null 2>&1 &&
    pkg-config --exists openblas lapacke libpng libjpeg libwebp libwebpdemux libtiff-4 2>/dev/null &&
    # giflib ships a pkg-config file only from 5.2 on: look for its header.
    { [ -f /usr/include/gif_lib.h ] || [ -f /usr/local/include/gif_lib.h ]; }
}

if have_all; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "VLBlocks needs OpenBLAS, LAPACKE, libpng, libjpeg, libwebp, giflib, libtiff and pkg-config; install them with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The package lists first: on a fresh machine apt-cache knows nothing before an update.
$sudo apt-get update -qq
jpeg=libjpeg62-turbo-dev
if ! apt-cache show "$jpeg" >/dev/null 2>&1; then jpeg=libjpeg-turbo8-dev; fi  # Ubuntu's name
packages=(libopenblas-dev liblapacke-dev libpng-dev "$jpeg" libwebp-dev libgif-dev libtiff-dev pkg-config)
echo "Installing system libraries (apt): ${packages[*]}" >&2
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
have_all || { echo "system libraries still missing after apt-get install" >&2; exit 1; }
