#!/bin/sh
# Installs what the YOLO tests compare against: OpenCV and NumPy from Debian, with which
# test/oracle.py rasterizes label lines exactly as Ultralytics' polygon2mask does (cv2.fillPoly).
# Idempotent: skips what is present.
set -e
need=""
/usr/bin/python3 -c "import cv2" 2>/dev/null || need="$need python3-opencv"
/usr/bin/python3 -c "import numpy" 2>/dev/null || need="$need python3-numpy"
if [ -n "$need" ]; then
  flock /tmp/apt.lock apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends $need
fi
