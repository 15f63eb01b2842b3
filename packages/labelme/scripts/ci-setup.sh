#!/bin/sh
# Installs what the LabelMe tests compare against: Pillow and numpy from Debian, with which
# test/pillow.py draws shapes the way LabelMe's shape_to_mask does. Idempotent: skips what is present.
set -e
need=""
/usr/bin/python3 -c "import PIL" 2>/dev/null || need="$need python3-pil"
/usr/bin/python3 -c "import numpy" 2>/dev/null || need="$need python3-numpy"
if [ -n "$need" ]; then
  flock /tmp/apt.lock apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends $need
fi
