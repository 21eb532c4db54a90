// SPDX-License-Identifier: Apache-2.0
// The static partition of parallel_for, nested use, and the instruction-set switch.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

std::vector<std::pair<int64_t, int64_t>> ranges_of(int threads, int64_t n) {
  std::mutex m;
  std::vector<std::pair<int64_t, int64_t>> out;
  parallel_for(threads, n, [&](int64_t b, int64_t e) {
    std::lock_guard<std::mutex> lock(m);
    out.emplace_back(b, e);
  });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ParallelFor, CoversTheRangeOnceWithAPartitionThatDependsOnlyOnNAndThreads) {
  for (int threads : {1, 2, 3, 7}) {
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{1000}}) {
      const auto r = ranges_of(threads, n);
      ASSERT_EQ(r.front().first, 0);
      ASSERT_EQ(r.back().second, n);
      for (size_t i = 1; i < r.size(); ++i) ASSERT_EQ(r[i].first, r[i - 1].second);
      ASSERT_EQ(r.size(), static_cast<size_t>(std::min<int64_t>(threads, n)));
      ASSERT_EQ(ranges_of(threads, n), r);  // same partition every time
    }
  }
  EXPECT_TRUE(ranges_of(3, 0).empty());
}

// Waits until `count` threads have arrived, or a deadline passes; false on timeout.
class Rendezvous {
 public:
  explicit Rendezvous(int count) : count_(count) {}
  bool arrive_and_wait() {
    std::unique_lock<std::mutex> lock(m_);
    if (++arrived_ == count_) cv_.notify_all();
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return arrived_ >= count_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int count_, arrived_ = 0;
};

// A part of a parallel region that starts another region runs it itself (pool workers and
// the caller while it works both count as "inside"): no nested team, no deadlock on the
// one-job pool. The two outer parts meet, so they run on two different threads, one of
// them a pool worker.
TEST(ParallelFor, NestedCallsRunOnTheThreadOfTheOuterPart) {
  Rendezvous both_parts(2);
  std::mutex m;
  std::set<std::thread::id> outer_threads;
  std::atomic<int> inner_elsewhere{0}, inner_parts{0}, met{0};
  parallel_for(2, 2, [&](int64_t, int64_t) {
    if (both_parts.arrive_and_wait()) ++met;
    const auto me = std::this_thread::get_id();
    {
      std::lock_guard<std::mutex> lock(m);
      outer_threads.insert(me);
    }
    parallel_for(2, 10, [&](int64_t, int64_t) {
      ++inner_parts;
      if (std::this_thread::get_id() != me) ++inner_elsewhere;
    });
  });
  ASSERT_EQ(met.load(), 2) << "the two outer parts never ran at the same time";
  EXPECT_EQ(outer_threads.size(), 2u);
  EXPECT_EQ(inner_parts.load(), 4);
  EXPECT_EQ(inner_elsewhere.load(), 0);
}

// While one thread's region holds the pool, another thread's region runs inline on that
// thread instead of waiting for (or sharing) the pool.
TEST(ParallelFor, ARegionStartedWhileThePoolIsBusyRunsOnItsCaller) {
  std::atomic<bool> holding{false}, other_done{false}, done_while_held{false};
  std::atomic<int> other_parts{0}, other_elsewhere{0};
  std::thread other([&] {
    while (!holding.load()) std::this_thread::yield();
    const auto me = std::this_thread::get_id();
    parallel_for(2, 10, [&](int64_t, int64_t) {
      ++other_parts;
      if (std::this_thread::get_id() != me) ++other_elsewhere;
    });
    other_done = true;
  });
  parallel_for(2, 2, [&](int64_t b, int64_t) {
    if (b != 0) return;
    holding = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!other_done.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    done_while_held = other_done.load();
  });
  other.join();
  EXPECT_TRUE(done_while_held.load()) << "the second region waited for the first";
  EXPECT_EQ(other_parts.load(), 2);
  EXPECT_EQ(other_elsewhere.load(), 0);
}

TEST(ParallelFor, NestedCallsRunInlineAndExceptionsReachTheCaller) {
  std::atomic<int64_t> inner_total{0};
  parallel_for(2, 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      parallel_for(2, 10, [&](int64_t ib, int64_t ie) { inner_total += ie - ib; });
    }
  });
  EXPECT_EQ(inner_total.load(), 40);
  EXPECT_THROW(parallel_for(2, 8,
                            [](int64_t b, int64_t) {
                              if (b >= 4) throw std::runtime_error("part failed");
                            }),
               std::runtime_error);
  // The pool still works afterwards.
  std::atomic<int64_t> covered{0};
  parallel_for(3, 300, [&](int64_t b, int64_t e) { covered += e - b; });
  EXPECT_EQ(covered.load(), 300);
}

// Several user threads may run products at once (the kernels' thread contract): each gets
// the same bits as when alone.
TEST(ParallelFor, ConcurrentCallersGetIdenticalResults) {
  std::mt19937 rng(5);
  const int64_t rows = 96, cols = 256;
  auto wf = random_floats(rng, rows * cols);
  std::vector<uint8_t> w(*row_bytes(TensorType::Q8_0, cols) * rows);
  const size_t stride = w.size() / rows;
  for (int64_t r = 0; r < rows; ++r) quantize_row(TensorType::Q8_0, wf.data() + r * cols, w.data() + r * stride, cols);
  const auto x = random_floats(rng, 4 * cols);
  const MatrixView view{TensorType::Q8_0, rows, cols, w.data(), stride};
  Activations act;
  act.prepare(TensorType::Q8_0, x.data(), 4, cols, cols);
  std::vector<float> want(4 * rows);
  matmul(view, act, want.data(), rows, 1);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      std::vector<float> y(4 * rows);
      for (int rep = 0; rep < 50; ++rep) {
        matmul(view, act, y.data(), rows, 2);
        if (y != want) ++mismatches;
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Isa, NamesListsAndForcing) {
  IsaGuard guard;
  const auto isas = supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::scalar);
  EXPECT_EQ(isas.back(), best_isa());
  const std::pair<Isa, std::string_view> names[] = {{Isa::scalar, "scalar"},   {Isa::avx2, "avx2"},
                                                     {Isa::avx512, "avx512"},   {Isa::avx512vnni, "avx512vnni"},
                                                     {Isa::neon, "neon"},       {Isa::neon_dotprod, "neon-dotprod"}};
  for (const auto& [isa, name] : names) {
    EXPECT_EQ(isa_name(isa), name);
    EXPECT_EQ(parse_isa(name), isa);
#if defined(__x86_64__)
    const bool other_arch = isa == Isa::neon || isa == Isa::neon_dotprod;
#elif defined(__aarch64__)
    const bool other_arch = isa == Isa::avx2 || isa == Isa::avx512 || isa == Isa::avx512vnni;
#else
    const bool other_arch = isa != Isa::scalar;
#endif
    if (other_arch) {
      EXPECT_FALSE(isa_supported(isa)) << name;
    }
    if (isa_supported(isa)) {
      set_isa(isa);
      EXPECT_EQ(active_isa(), isa);
    } else {
      EXPECT_THROW(set_isa(isa), Error);
    }
  }
  EXPECT_FALSE(parse_isa("sse2").has_value());
}

TEST(WeightTypes, TraitsAndConversionErrors) {
  EXPECT_TRUE(supports_weight_type(TensorType::Q6_K));
  EXPECT_FALSE(supports_weight_type(TensorType::Q8_K));
  EXPECT_FALSE(supports_weight_type(TensorType::Q4_0));
  EXPECT_EQ(activation_type(TensorType::Q8_0), TensorType::Q8_0);
  EXPECT_EQ(activation_type(TensorType::Q6_K), TensorType::Q8_K);
  EXPECT_EQ(activation_type(TensorType::F16), TensorType::F32);
  EXPECT_EQ(activation_type(TensorType::BF16), TensorType::F32);
  float x[64] = {};
  uint8_t buf[400];
  EXPECT_THROW(quantize_row(TensorType::Q8_0, x, buf, 33), Error);
  EXPECT_THROW(quantize_row(TensorType::Q6_K, x, buf, 64), Error);
  EXPECT_THROW(quantize_row(TensorType::Q4_0, x, buf, 32), Error);
  EXPECT_THROW(dequantize_row(TensorType::Q8_0, nullptr, x, 32), Error);
  EXPECT_NO_THROW(dequantize_row(TensorType::Q8_0, nullptr, x, 0));
}

}  // namespace
}  // namespace nanollama::kernels::testing
