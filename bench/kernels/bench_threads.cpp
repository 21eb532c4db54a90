// What it costs to start a parallel region, as the model pays it ~170 times per decoded
// token: OpenMP (what kernels::parallel_for and matmul use) against a minimal persistent
// pool with spin-then-yield waiting, the alternative STYLE.md suggests. Both run an empty
// body on 2 threads, back to back and with a short pause (a small product's worth of work
// on the calling thread) in between.
#include <atomic>
#include <thread>

#include "bench_util.h"

namespace nanollama::bench {
namespace {

// One helper thread; the caller is the other. Spins, then yields, while idle.
class SpinPool {
 public:
  SpinPool() : worker_([this] { loop(); }) {}
  ~SpinPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    worker_.join();
  }
  template <class Fn>
  void run(Fn&& fn) {
    task_ = [](void* ctx) { (*static_cast<Fn*>(ctx))(1); };
    ctx_ = &fn;
    done_.store(false, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    fn(0);
    while (!done_.load(std::memory_order_acquire)) {
    }
  }

 private:
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen) {
        if (++spins > 20000) std::this_thread::yield();
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      task_(ctx_);
      done_.store(true, std::memory_order_release);
    }
  }
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> done_{false}, stop_{false};
  void (*task_)(void*) = nullptr;
  void* ctx_ = nullptr;
  std::thread worker_;
};

void pause_for(int64_t ns) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  while (std::chrono::steady_clock::now() < end) {
  }
}

void openmp_region(benchmark::State& state) {
  const int64_t gap = state.range(0);
  std::atomic<int64_t> sink{0};
  for (auto _ : state) {
    kernels::parallel_for(2, 2, [&](int64_t b, int64_t) { sink.fetch_add(b, std::memory_order_relaxed); });
    if (gap) pause_for(gap);
  }
}
BENCHMARK(openmp_region)->Name("threads/openmp_parallel_for")->Arg(0)->Arg(20000)->ArgName("gap_ns");

void pool_region(benchmark::State& state) {
  const int64_t gap = state.range(0);
  SpinPool pool;
  std::atomic<int64_t> sink{0};
  for (auto _ : state) {
    pool.run([&](int part) { sink.fetch_add(part, std::memory_order_relaxed); });
    if (gap) pause_for(gap);
  }
}
BENCHMARK(pool_region)->Name("threads/spin_pool")->Arg(0)->Arg(20000)->ArgName("gap_ns");

}  // namespace
}  // namespace nanollama::bench
