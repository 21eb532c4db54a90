#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# libnanollama.so exports the C API and nothing else: every function nanollama.h declares,
# no other dynamic symbol (cmake/nanollama.map), and its SONAME carries the major version.
#   check_shared_exports.sh LIBRARY NANOLLAMA_H SONAME
# LIBRARY empty: the shared library is not built (NANOLLAMA_BUILD_SHARED off); exit 77,
# which CTest reports as skipped.
set -euo pipefail
library=$1 header=$2 soname=$3
if [ -z "$library" ]; then
  echo "skipped: configure with -DNANOLLAMA_BUILD_SHARED=ON to build and check libnanollama.so"
  exit 77
fi

exported=$(nm -D --defined-only "$library" | awk 'NF == 3 { print $3 }' | sort -u)
declared=$(grep -oE '\bnl_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u)
status=0
if [ -z "$declared" ]; then
  echo "no nl_* functions found in $header"; exit 1
fi
others=$(echo "$exported" | grep -v '^nl_' || true)
if [ -n "$others" ]; then
  echo "$library exports symbols besides nl_*:"; echo "$others"; status=1
fi
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
  echo "$header declares functions $library does not export:"; echo "$missing"; status=1
fi
extra=$(comm -13 <(echo "$declared") <(echo "$exported") | grep '^nl_' || true)
if [ -n "$extra" ]; then
  echo "$library exports nl_* symbols $header does not declare:"; echo "$extra"; status=1
fi
actual_soname=$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$actual_soname" != "$soname" ]; then
  echo "SONAME is '$actual_soname', expected '$soname'"; status=1
fi
[ $status -eq 0 ] && echo "$library: SONAME $soname, exports exactly the $(echo "$declared" | wc -l) nl_* functions of the C API"
exit $status
