#!/bin/sh
# Installs the independent PNG encoders/decoders the png tests compare against:
# Pillow (python3-pil) and ImageMagick, from Debian. Idempotent: skips what is present.
set -e
need=""
/usr/bin/python3 -c "import PIL" 2>/dev/null || need="$need python3-pil"
[ -x /usr/bin/convert ] || need="$need imagemagick"
if [ -n "$need" ]; then
  flock /tmp/apt.lock apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends $need
fi
