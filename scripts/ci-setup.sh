#!/bin/sh
# Installs Debian's Chromium for the site's browser test (docs/test/site.e2e.test.ts, driven by
# playwright-core through /usr/bin/chromium: no browser download). Idempotent: skips what is present.
set -e
if ! [ -x /usr/bin/chromium ]; then
  flock /tmp/apt.lock apt-get update -qq
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends chromium
fi
