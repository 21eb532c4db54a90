#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job, end to end, on a fresh Debian machine: installs the packages, builds the
# `nanollama` driver, and generates Danbooru tags with DanTagGen.
#
#   scripts/demo.sh                  a DanTagGen-shaped model with RANDOM weights, generated
#                                    locally (no download); its tags are gibberish
#   scripts/demo.sh MODEL.gguf       a real DanTagGen GGUF you downloaded
#
# Extra arguments after the model go to `nanollama tags` (try --variants 3, --ban "...").
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target nanollama-cli

model="${1:-}"
[ $# -gt 0 ] && shift
if [ -z "$model" ]; then
  model=build/demo/dtg-random-q8_0.gguf
  if [ ! -f "$model" ]; then
    mkdir -p build/demo
    echo "== making a DanTagGen-shaped model with random weights (418 MB, Q8_0): $model"
    build/tools/nanollama make-model --preset dtg --type q8_0 -o "$model"
  fi
  echo "== NOTE: these weights are random, so the tags below are gibberish; the pipeline is real."
  echo "==       For real tags: scripts/demo.sh path/to/DanTagGen.gguf (see README.md)."
fi

echo "== nanollama tags -m $model --general \"1girl, solo, dragon girl, dragon horns, dragon tail\" ..."
build/tools/nanollama tags -m "$model" \
  --general "1girl, solo, dragon girl, dragon horns, dragon tail" --rating safe \
  --target short --seed 1 --stream "$@"
