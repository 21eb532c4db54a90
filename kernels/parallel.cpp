// SPDX-License-Identifier: Apache-2.0
// Threads: a static partition of [0, n), run on the kernels' thread pool (thread_pool.cpp
// says why not OpenMP).
#include <sched.h>

#include <thread>

#include "kernels/thread_pool.h"
#include "nanollama/kernels.h"

namespace nanollama::kernels {

int default_threads() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void parallel_for_raw(int n_threads, int64_t n, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  int parts = n_threads > 0 ? n_threads : default_threads();
  if (parts > n) parts = static_cast<int>(n);
  struct Job {
    RangeFn fn;
    void* ctx;
    int64_t n;
    int parts;
  } job{fn, ctx, n, parts};
  // The partition depends only on n and n_threads, whichever thread runs a part.
  run_parts(parts, [](void* p, int part) {
    const Job& j = *static_cast<const Job*>(p);
    j.fn(j.ctx, j.n * part / j.parts, j.n * (part + 1) / j.parts);
  }, &job);
}

}  // namespace nanollama::kernels
