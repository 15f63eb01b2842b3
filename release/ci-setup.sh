#!/bin/sh
# The release check runs the packed adapters in headless Chromium: Debian's chromium (never a
# downloaded browser; playwright-core drives /usr/bin/chromium). Idempotent.
set -e
if [ ! -x /usr/bin/chromium ]; then
  flock /tmp/apt.lock apt-get update -qq
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends chromium
fi
