#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# nanollama as its users get it (a stage of .ci/run): installs the library into a temporary
# prefix, then builds and runs four consumers outside the tree, each generating tags on a
# tiny model (tests/consumers/README.md):
#   (a) C++, find_package(nanollama)        (b) plain C, find_package(nanollama)
#   (c) gcc + pkg-config on examples/tags_example.c
#   (d) add_subdirectory of the source tree, with the consumer's own build type
# and checks the installed headers compile on their own and nothing names OpenMP.
#
#   scripts/check-consumers.sh [BUILD_DIR]
#
# BUILD_DIR is a Release build to install from; .ci/run passes `build`, which the test
# stage has just built, so only (d) compiles the library again. Without one the script
# configures build-consumers/ (library, shared library and driver only). About 2 minutes
# on 2 cores with BUILD_DIR already built, most of it (d).
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$(pwd)
build=${1:-build-consumers}
jobs=$(nproc)
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/nanollama-consumers.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "== consumers [$(($(date +%s) - start)) s]: $*"; }
fail() { echo "consumers: FAILED: $*"; exit 1; }

# --- the library, built once in Release and installed ------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  step "configuring $build (Release, library + shared library + driver)"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNANOLLAMA_BUILD_TESTS=OFF -DNANOLLAMA_BUILD_BENCH=OFF \
    -DNANOLLAMA_BUILD_EXAMPLES=OFF -DNANOLLAMA_BUILD_SHARED=ON >/dev/null
fi
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
[ "$(cache_value CMAKE_BUILD_TYPE)" = Release ] || fail "$build is not a Release build"
[ "$(cache_value NANOLLAMA_BUILD_TOOLS)" = ON ] || fail "$build does not build the driver (needed for make-model)"
targets=(nanollama nanollama-cli)
[ "$(cache_value NANOLLAMA_BUILD_SHARED)" = ON ] && targets+=(nanollama_shared)
step "building ${targets[*]} in $build"
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >/dev/null
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
step "installed into $prefix"

if grep -rliE 'openmp|gomp' "$prefix/lib"*/cmake "$prefix/lib"*/pkgconfig; then
  fail "the installed package names OpenMP (files above)"
fi
cmake -DCXX="${CXX:-c++}" -DCC="${CC:-cc}" -DINCLUDE_DIRS="$prefix/include" -DWORK="$work/headers" \
  -P tests/headers/check_headers.cmake >/dev/null || fail "an installed header does not compile on its own"
step "installed headers compile on their own; no OpenMP in the package"

model=$work/tiny.gguf
"$prefix/bin/nanollama" make-model --preset tiny --type q8_0 -o "$model" >/dev/null
"$prefix/bin/nanollama" --version

# Runs a consumer on the model; it must succeed and print its line.
run() {
  local name=$1
  shift
  local out
  out=$("$@" "$model") || fail "$name exited with $?"
  echo "   $(echo "$out" | tr -s '\n' ' ' | cut -c1-150)"
}
no_libgomp() { ! ldd "$1" | grep -q libgomp || fail "$1 loads libgomp"; }

# --- (a) C++ with find_package -------------------------------------------------------------
cmake -S tests/consumers/cpp_find_package -B "$work/cpp" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cpp" -j "$jobs" >/dev/null
no_libgomp "$work/cpp/cpp_consumer"
run "(a) C++ find_package" "$work/cpp/cpp_consumer"
step "(a) C++ find_package: ok"

# --- (b) plain C with find_package ---------------------------------------------------------
cmake -S tests/consumers/c_find_package -B "$work/c" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
grep -q '^CMAKE_CXX_COMPILER' "$work/c/CMakeCache.txt" && fail "(b) the C project ended up with a C++ compiler enabled"
cmake --build "$work/c" -j "$jobs" >/dev/null
no_libgomp "$work/c/c_consumer"
run "(b) C find_package" "$work/c/c_consumer"
step "(b) plain C find_package: ok"

# --- (c) gcc + pkg-config --------------------------------------------------------------------
pc_dir=$(dirname "$(find "$prefix" -name nanollama.pc | head -1)")
flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs nanollama)
# shellcheck disable=SC2086 # the flags are words on purpose
gcc -std=c99 -Wall -Wextra -Werror examples/tags_example.c $flags -o "$work/tags_example_pc" ||
  fail "(c) gcc examples/tags_example.c \$(pkg-config --cflags --libs nanollama) did not build"
if ldd "$work/tags_example_pc" | grep -q 'libnanollama\.so'; then
  fail "(c) pkg-config linked libnanollama.so; nanollama.pc is for the static library"
fi
no_libgomp "$work/tags_example_pc"
run "(c) pkg-config" "$work/tags_example_pc" 2>/dev/null
step "(c) gcc + pkg-config: ok"

# --- (d) add_subdirectory ----------------------------------------------------------------------
# Configure only, with no build type at all: nanollama must not write one into the cache.
cmake -S tests/consumers/add_subdirectory -B "$work/subdir-none" -DNANOLLAMA_SOURCE_DIR="$source_dir" >/dev/null ||
  fail "(d) configuring without a build type"
[ -z "$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$work/subdir-none/CMakeCache.txt")" ] ||
  fail "(d) nanollama wrote a CMAKE_BUILD_TYPE into the parent's cache"
# The real build, with the consumer's own build type (Debug compiles the library fastest).
cmake -S tests/consumers/add_subdirectory -B "$work/subdir" -DNANOLLAMA_SOURCE_DIR="$source_dir" \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null || fail "(d) configuring with CMAKE_BUILD_TYPE=Debug"
[ "$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$work/subdir/CMakeCache.txt")" = Debug ] ||
  fail "(d) the parent's CMAKE_BUILD_TYPE is no longer Debug"
cmake --build "$work/subdir" -j "$jobs" >/dev/null
[ -e "$work/subdir/nanollama/tools/nanollama" ] && fail "(d) the driver was built"
cmake --install "$work/subdir" --prefix "$work/subdir-prefix" >/dev/null
installed=$(cd "$work/subdir-prefix" && find . -type f | sort)
[ "$installed" = "./bin/subdir_consumer" ] || fail "(d) installing the parent installed more than its program: $installed"
run "(d) add_subdirectory" "$work/subdir/subdir_consumer"
step "(d) add_subdirectory: ok"

echo "consumers: all four consumers passed in $(($(date +%s) - start)) s"
