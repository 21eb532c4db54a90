#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages nanollama builds with, skipping those already present.
#   scripts/install-deps.sh             the C++ build's packages
#   scripts/install-deps.sh PKG...      those packages instead (install-python-deps.sh, test-arm64.sh)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libsentencepiece-dev libxsimd-dev libpcre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [ $# -gt 0 ]; then packages=("$@"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
