#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages the Python package is built and tested with, skipping those
# already present: setuptools and wheel (pip install --no-build-isolation), build (wheels),
# venv, pytest, and Dask for nanollama.dask.
set -euo pipefail
exec "$(dirname "$0")/install-deps.sh" \
  python3 python3-venv python3-pip python3-setuptools python3-wheel python3-build python3-pytest \
  python3-dask python3-distributed python3-pandas
