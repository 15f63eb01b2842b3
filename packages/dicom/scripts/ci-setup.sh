#!/bin/sh
# Installs the DICOM oracles the cross-check tests call: DCMTK, GDCM, dicom3tools, pydicom.
# Idempotent: does nothing when every tool is already present.
set -eu
need=""
command -v dcmdrle >/dev/null 2>&1 || need="$need dcmtk"
command -v gdcmconv >/dev/null 2>&1 || need="$need libgdcm-tools"
command -v dciodvfy >/dev/null 2>&1 || need="$need dicom3tools"
/usr/bin/python3 -c 'import pydicom, numpy' >/dev/null 2>&1 || need="$need python3-pydicom python3-numpy"
if [ -z "$need" ]; then
  echo "dicom oracles present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO flock /tmp/apt.lock apt-get update
# shellcheck disable=SC2086
$SUDO flock /tmp/apt.lock apt-get install -y --no-install-recommends $need
