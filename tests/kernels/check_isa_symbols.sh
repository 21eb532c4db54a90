#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The per-ISA translation units may define exactly one symbol with external linkage each
# (their fill_* function): anything else with external linkage, a weak template instance
# above all, could be the copy the linker keeps for generic code, and it was compiled with
# instructions older CPUs do not have (docs/KERNELS.md, "The ODR trap"). Exempt: xsimd's
# own instances for an instruction set (xsimd::avx2, fma3<avx2>, avx512*), which builds
# with less inlining (the sanitizer build) leave out of line; only code compiled for that
# instruction set can name them.
#   check_isa_symbols.sh OBJECT...
set -euo pipefail
status=0
[ $# -gt 0 ] || { echo "no object files given"; exit 1; }
for object in "$@"; do
  symbols=$(nm -C --defined-only "$object")  # fails (and so does this script) if it is not an object
  extra=$(echo "$symbols" | awk '$2 ~ /^[A-Zu]$/' | grep -v ' nanollama::kernels::fill_' \
            | grep -v ' DW.ref.__gxx_personality_v0$' | grep -vE ' xsimd::.*xsimd::(fma3<xsimd::avx2>|avx2|avx512[a-z]+)[ ,>]' \
            || true)
  if [ -n "$extra" ]; then
    echo "$object defines symbols with external linkage besides its fill_* function:"
    echo "$extra"
    status=1
  fi
done
[ $status -eq 0 ] && echo "$# per-ISA objects: only fill_* functions are external"
exit $status
