// The static partition of parallel_for, nested use, and the instruction-set switch.
#include <omp.h>

#include <atomic>
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

TEST(ParallelFor, RunsInlineInsideAnOpenMPRegion) {
  std::atomic<int> outer_calls{0};
  std::atomic<bool> nested_on_other_thread{false};
#pragma omp parallel num_threads(2)
  {
    const int me = omp_get_thread_num();
    parallel_for(2, 10, [&](int64_t, int64_t) {
      if (omp_get_thread_num() != me || omp_get_level() != 1) nested_on_other_thread = true;
    });
    ++outer_calls;
  }
  EXPECT_FALSE(nested_on_other_thread.load());
  EXPECT_GE(outer_calls.load(), 1);
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
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::avx512vnni}) {
    EXPECT_EQ(parse_isa(isa_name(isa)), isa);
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
