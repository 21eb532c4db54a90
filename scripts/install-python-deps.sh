#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages the Python package is built and tested with, skipping those
# already present: setuptools and wheel (pip install --no-build-isolation), build (wheels),
# venv, pytest, and Dask for nanollama.dask.
set -euo pipefail

packages=(
  python3 python3-venv python3-pip python3-setuptools python3-wheel python3-build python3-pytest
  python3-dask python3-distributed python3-pandas
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-python-deps: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-python-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
