#!/usr/bin/env bash
# Installs the system packages kb needs on Debian/Ubuntu (apt). Idempotent: installs only what is missing.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no Swift toolchain on PATH; kb needs Swift 6 (https://www.swift.org/install/linux/), then run this again" >&2
  exit 1
fi
packages=(pkg-config libsqlite3-dev libcurl4-openssl-dev libxml2-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo gcc libc6-dev binutils python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: system packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
