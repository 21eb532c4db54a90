// SPDX-License-Identifier: Apache-2.0
// The streaming-read probe: eight independent accumulators of plain 64-bit loads, which the
// compiler vectorises; far more load bandwidth than DRAM can feed, so the figure is memory's.
#include "probes.h"

namespace nanollama::bench {

uint64_t stream_read(const uint64_t* data, size_t bytes) {
  uint64_t acc[8] = {};
  const size_t n = bytes / sizeof(uint64_t);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += data[i + k];
  }
  uint64_t sum = 0;
  for (uint64_t a : acc) sum ^= a;
  return sum;
}

uint64_t stream_read_prefetch(const uint64_t* data, size_t bytes) {
  uint64_t acc[8] = {};
  const size_t n = bytes / sizeof(uint64_t);
  const char* base = reinterpret_cast<const char*>(data);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    __builtin_prefetch(base + i * sizeof(uint64_t) + 2048);
    for (int k = 0; k < 8; ++k) acc[k] += data[i + k];
  }
  uint64_t sum = 0;
  for (uint64_t a : acc) sum ^= a;
  return sum;
}

}  // namespace nanollama::bench
