// SPDX-License-Identifier: Apache-2.0
// What it costs to run a parallel region, as the model pays it ~170 times per decoded
// token: the kernels' pool (kernels::parallel_for, also behind matmul) against a plain
// OpenMP region, 2 parts of 10 us of work each, back to back: the ideal is 10 us per
// region. "busy:1" adds a thread that keeps one core busy, like another process on this
// shared 2-core machine: the case that made the kernels leave OpenMP (thread_pool.cpp).
// The OpenMP side is built only with -DNANOLLAMA_BENCH_OPENMP=ON: nothing else in the
// project needs OpenMP, and a default build must not.
#if defined(NANOLLAMA_BENCH_OPENMP)
#include <omp.h>
#endif

#include <atomic>
#include <chrono>
#include <thread>

#include "bench_util.h"

namespace nanollama::bench {
namespace {

// Keeps one core busy for the lifetime of the object (when enabled).
class BusyCore {
 public:
  explicit BusyCore(bool enabled) {
    if (enabled) {
      thread_ = std::thread([this] {
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
    }
  }
  ~BusyCore() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  BusyCore(const BusyCore&) = delete;
  BusyCore& operator=(const BusyCore&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void work_10us() {
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(10);
  while (std::chrono::steady_clock::now() < end) {
  }
}

void pool_region(benchmark::State& state) {
  BusyCore busy(state.range(0) != 0);
  std::atomic<int64_t> sink{0};
  for (auto _ : state) {
    kernels::parallel_for(2, 2, [&](int64_t b, int64_t) {
      work_10us();
      sink.fetch_add(b, std::memory_order_relaxed);
    });
  }
}
BENCHMARK(pool_region)->Name("threads/pool_parallel_for")->Arg(0)->Arg(1)->ArgName("busy")->UseRealTime();

#if defined(NANOLLAMA_BENCH_OPENMP)
void openmp_region(benchmark::State& state) {
  BusyCore busy(state.range(0) != 0);
  std::atomic<int64_t> sink{0};
  for (auto _ : state) {
#pragma omp parallel num_threads(2)
    {
      work_10us();
      sink.fetch_add(omp_get_thread_num(), std::memory_order_relaxed);
    }
  }
}
BENCHMARK(openmp_region)->Name("threads/openmp_parallel")->Arg(0)->Arg(1)->ArgName("busy")->UseRealTime();
#endif

}  // namespace
}  // namespace nanollama::bench
