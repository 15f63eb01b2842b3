#!/bin/sh
# Installs wabt's wat2wasm, so the test that checks the embedded scan kernel (src/wasm/scan-module.ts)
# against its source (src/wasm/scan.wat) runs. Idempotent: skips it when present.
set -e
if ! command -v wat2wasm >/dev/null 2>&1; then
  flock /tmp/apt.lock apt-get update -qq
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends wabt
fi
