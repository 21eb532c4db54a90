// SPDX-License-Identifier: Apache-2.0
// The pool behind run_parts.
//
// Why not OpenMP: a decode step starts ~170 parallel regions, and on a 2-core machine that
// others share the waiting strategy matters more than anything. libgomp's idle threads
// spin without yielding; when another process holds one of the two cores, our two threads
// end up time-sharing the other, and the thread spinning at the barrier keeps the one it
// waits for off the core for a whole scheduler slice: every region then took ~8 ms instead
// of ~40 us (measured, docs/KERNELS.md). Here every wait spins briefly, then yields, then
// (idle workers only) sleeps on a condition variable, and a region costs ~0.4 us less than
// with libgomp when the machine is quiet.
//
// Sleeping uses a mutex and condition variable, not std::atomic::wait: with GCC 12's
// libstdc++ a 64-bit atomic's wait/notify lost a wake-up here (workers slept through the
// notification; found as a test hang). The pool is never destroyed: joining workers in a
// static destructor at exit buys nothing and could hang if exit is called from a part.
#include "kernels/thread_pool.h"

#include "nanollama/kernels.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NANOLLAMA_CPU_RELAX() _mm_pause()
#else
#define NANOLLAMA_CPU_RELAX() ((void)0)
#endif

namespace nanollama::kernels {
namespace {

constexpr int kSpinsBeforeYield = 2000;       // ~ a few microseconds of pause instructions
constexpr int kYieldsBeforeSleep = 200;       // idle workers: then block on the futex
constexpr uint64_t kIndexBits = 16;           // part index and count: 16 bits each
constexpr uint64_t kMask = (uint64_t{1} << kIndexBits) - 1;
constexpr int kMaxParts = static_cast<int>(kMask);

// Re-entrancy: true on pool workers for their whole life, and on a caller while it runs
// parts of its own job. A parallel region started from such a thread runs inline: the pool
// has one job at a time, and nesting would only oversubscribe the cores. (This replaced
// OpenMP's omp_in_parallel, the library's only use of OpenMP; a caller inside its own
// OpenMP region now simply finds the pool busy, or takes it, like any other thread.)
thread_local bool t_inside_pool = false;

// One job at a time. Parts are claimed from `claim_`, which packs (job id, part count,
// next part): a worker that wakes up late for an old job fails to claim and touches nothing.
class Pool {
 public:
  // False if another thread is using the pool.
  bool try_run(int parts, PartFn fn, void* ctx, int max_threads) {
    std::unique_lock<std::mutex> lock(busy_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    // At most one worker per other CPU: more parts than that are claimed by whoever is
    // free, so asking for many threads never oversubscribes the machine.
    int wanted = std::min(parts - 1, std::max(1, cpus_ - 1));
    if (max_threads > 0) wanted = std::min(wanted, max_threads - 1);
    helpers_allowed_.store(wanted, std::memory_order_relaxed);
    helpers_joined_.store(0, std::memory_order_relaxed);
    // A new worker starts from the generation before this job: had it read generation_
    // itself, a late start would see this job as already seen and skip it (the caller then
    // ran every part of a process's first job alone).
    while (static_cast<int>(workers_.size()) < wanted) {
      const uint64_t before = generation_.load(std::memory_order_relaxed);
      workers_.emplace_back([this, before] { worker_loop(before); });
    }
    fn_ = fn;
    ctx_ = ctx;
    error_ = nullptr;
    remaining_.store(parts, std::memory_order_relaxed);
    const uint64_t job = ++job_id_;
    claim_.store((job << (2 * kIndexBits)) | (static_cast<uint64_t>(parts) << kIndexBits), std::memory_order_release);
    // seq_cst store, then seq_cst load: either this sees a worker's sleeping_ increment, or
    // that worker's check under the mutex sees the new generation (no lost wake-up).
    generation_.store(job, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> sleep_lock(sleep_mutex_);
      wake_.notify_all();
    }

    t_inside_pool = true;
    work_on(job);
    t_inside_pool = false;
    for (int spins = 0; remaining_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < kSpinsBeforeYield) {
        NANOLLAMA_CPU_RELAX();
      } else {
        std::this_thread::yield();  // a worker may need this core (oversubscribed host)
      }
    }
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // Claims and runs parts of `job` until none are left.
  void work_on(uint64_t job) {
    uint64_t cur = claim_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur >> (2 * kIndexBits)) != job) return;
      const uint64_t parts = (cur >> kIndexBits) & kMask;
      const uint64_t next = cur & kMask;
      if (next >= parts) return;
      if (!claim_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      try {
        fn_(ctx_, static_cast<int>(next));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
      cur = claim_.load(std::memory_order_acquire);
    }
  }

  void worker_loop(uint64_t seen) {
    t_inside_pool = true;
    for (;;) {
      uint64_t now = generation_.load(std::memory_order_acquire);
      for (int spins = 0; now == seen; now = generation_.load(std::memory_order_acquire)) {
        if (spins < kSpinsBeforeYield) {
          NANOLLAMA_CPU_RELAX();
          ++spins;
        } else if (spins < kSpinsBeforeYield + kYieldsBeforeSleep) {
          std::this_thread::yield();
          ++spins;
        } else {
          std::unique_lock<std::mutex> lock(sleep_mutex_);
          sleeping_.fetch_add(1, std::memory_order_seq_cst);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
          sleeping_.fetch_sub(1, std::memory_order_seq_cst);
        }
      }
      seen = now;
      // Only as many workers as the caller's thread count join a job.
      if (helpers_joined_.fetch_add(1, std::memory_order_acq_rel) < helpers_allowed_.load(std::memory_order_acquire)) {
        work_on(now);
      }
    }
  }

  // The CPUs this process may use, read once: asking the kernel at every region cost about
  // 1 % of generation time (a system call per region, ~120 regions per token).
  const int cpus_ = default_threads();
  std::mutex busy_;
  std::vector<std::thread> workers_;
  uint64_t job_id_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> remaining_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<int> helpers_allowed_{0};
  std::atomic<int> helpers_joined_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  PartFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* instance = new Pool;  // deliberately never destroyed (see the top of the file)
  return *instance;
}

void run_inline(int parts, PartFn fn, void* ctx) {
  for (int part = 0; part < parts; ++part) fn(ctx, part);
}

}  // namespace

void run_parts(int parts, PartFn fn, void* ctx, int max_threads) {
  if (parts <= 0) return;
  if (parts == 1 || max_threads == 1 || parts > kMaxParts || t_inside_pool) {
    run_inline(parts, fn, ctx);
    return;
  }
  if (!pool().try_run(parts, fn, ctx, max_threads)) run_inline(parts, fn, ctx);
}

}  // namespace nanollama::kernels
