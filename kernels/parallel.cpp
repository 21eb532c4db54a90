// Threads: a static partition over OpenMP's thread team.
//
// OpenMP (libgomp) keeps its team alive between parallel regions and lets idle threads spin
// briefly before sleeping (GOMP_SPINCOUNT), so starting a region costs about a microsecond
// on this class of machine: see docs/KERNELS.md for the measurement behind this choice.
#include <omp.h>
#include <sched.h>

#include <thread>

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
  auto begin_of = [&](int part) { return n * part / parts; };
  // One thread, or already inside a parallel region (a nested team would oversubscribe the
  // cores): run the same partition in order on the calling thread.
  if (parts <= 1 || omp_in_parallel()) {
    for (int part = 0; part < parts; ++part) fn(ctx, begin_of(part), begin_of(part + 1));
    return;
  }
#pragma omp parallel num_threads(parts)
  {
    // The team may be smaller than asked (OMP_THREAD_LIMIT): threads then take several parts,
    // and the partition itself never changes.
    const int team = omp_get_num_threads();
    for (int part = omp_get_thread_num(); part < parts; part += team) fn(ctx, begin_of(part), begin_of(part + 1));
  }
}

}  // namespace nanollama::kernels
