#!/bin/sh
# Installs what core's cross-check tests call: wabt's wat2wasm (the embedded scan kernel,
# src/wasm/scan-module.ts, against its source src/wasm/scan.wat) and the geometry oracles from
# Debian — OpenCV, scikit-image, Pillow, SciPy and NumPy for /usr/bin/python3
# (test/geometry-oracle.test.ts). Idempotent: skips what is present.
set -e
need=""
command -v wat2wasm >/dev/null 2>&1 || need="$need wabt"
/usr/bin/python3 -c 'import cv2, skimage, numpy, PIL, scipy' >/dev/null 2>&1 || need="$need python3-opencv python3-skimage python3-numpy python3-pil python3-scipy"
if [ -n "$need" ]; then
  flock /tmp/apt.lock apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends $need
fi
