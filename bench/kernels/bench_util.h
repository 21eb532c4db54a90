// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the kernel benchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "nanollama/kernels.h"

namespace nanollama::bench {

// NANOLLAMA_BENCH_ALL=1 registers every path and every activation-row count; by default
// only the best path, 1 and 128 rows (docs/KERNELS.md lists the filters).
inline bool full_grid() {
  const char* v = std::getenv("NANOLLAMA_BENCH_ALL");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

inline std::vector<kernels::Isa> bench_isas() {
  if (full_grid()) return kernels::supported_isas();
  return {kernels::best_isa()};
}

// Switches to `isa` for one benchmark run and back afterwards.
class ScopedIsa {
 public:
  explicit ScopedIsa(kernels::Isa isa) : saved_(kernels::active_isa()) { kernels::set_isa(isa); }
  ~ScopedIsa() { kernels::set_isa(saved_); }
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  kernels::Isa saved_;
};

}  // namespace nanollama::bench
