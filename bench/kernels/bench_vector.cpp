// SPDX-License-Identifier: Apache-2.0
// Float vector routines at attention and model widths, per path.
#include <algorithm>
#include <random>

#include "bench_util.h"

namespace nanollama::bench {
namespace {

using kernels::Isa;

template <class Fn>
void vector_bench(benchmark::State& state, Isa isa, int64_t n, Fn fn) {
  ScopedIsa scoped(isa);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n)), out(static_cast<size_t>(n));
  for (auto& v : a) v = dist(rng);
  for (auto& v : b) v = dist(rng);
  std::vector<uint16_t> h(static_cast<size_t>(n));
  kernels::f32_to_f16(b.data(), h.data(), n);
  for (auto _ : state) {
    fn(a, b, h, out, n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

using V = std::vector<float>;
using H = std::vector<uint16_t>;

const bool registered = [] {
  struct Op {
    const char* name;
    void (*fn)(V&, V&, H&, V&, int64_t);
  };
  const Op ops[] = {
      {"dot_f32", [](V& a, V& b, H&, V& o, int64_t n) { o[0] = kernels::dot_f32(a.data(), b.data(), n); }},
      {"dot_f32_f16", [](V& a, V&, H& h, V& o, int64_t n) { o[0] = kernels::dot_f32_f16(a.data(), h.data(), n); }},
      {"axpy_f16", [](V&, V&, H& h, V& o, int64_t n) { kernels::axpy_f16(0.5f, h.data(), o.data(), n); }},
      {"rms_norm", [](V& a, V& b, H&, V& o, int64_t n) { kernels::rms_norm(a.data(), b.data(), o.data(), n, 1e-5f); }},
      {"softmax", [](V& a, V&, H&, V& o, int64_t n) {
         std::copy(a.begin(), a.end(), o.begin());
         kernels::softmax(o.data(), n);
       }},
      {"silu_mul", [](V& a, V& b, H&, V& o, int64_t n) { kernels::silu_mul(a.data(), b.data(), o.data(), n); }},
      {"mish_mul", [](V& a, V& b, H&, V& o, int64_t n) { kernels::mish_mul(a.data(), b.data(), o.data(), n); }},
  };
  for (Isa isa : bench_isas()) {
    // One head of one token's attention over a sequence's cached keys and values, as the
    // forward pass does it (head size 64, rows 1024 floats apart, F16 cache).
    for (int64_t keys : {128, 512}) {
      const std::string name = "attention/head/" + std::string(kernels::isa_name(isa)) + "/keys:" + std::to_string(keys);
      benchmark::RegisterBenchmark(name.c_str(), [isa, keys](benchmark::State& s) {
        ScopedIsa scoped(isa);
        const int64_t D = 64, stride = 1024;
        std::mt19937 rng(2);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        std::vector<float> table(static_cast<size_t>(keys * stride)), q(D), out(D), scores(static_cast<size_t>(keys));
        for (auto& v : table) v = dist(rng);
        for (auto& v : q) v = dist(rng);
        std::vector<uint16_t> k16(table.size()), v16(table.size());
        kernels::f32_to_f16(table.data(), k16.data(), static_cast<int64_t>(table.size()));
        std::reverse(table.begin(), table.end());
        kernels::f32_to_f16(table.data(), v16.data(), static_cast<int64_t>(table.size()));
        std::vector<int32_t> cells(static_cast<size_t>(keys));
        for (int32_t i = 0; i < keys; ++i) cells[static_cast<size_t>(i)] = i;
        for (auto _ : s) {
          kernels::dot_rows_f16(q.data(), k16.data(), stride, cells.data(), keys, D, 0.125f, scores.data());
          kernels::softmax(scores.data(), keys);
          std::fill(out.begin(), out.end(), 0.0f);
          kernels::axpy_rows_f16(scores.data(), v16.data(), stride, cells.data(), keys, D, out.data());
          benchmark::DoNotOptimize(out.data());
        }
        s.SetItemsProcessed(s.iterations() * keys);
      });
    }
    for (const Op& op : ops) {
      for (int64_t n : {64, 1024, 3072}) {
        const std::string name = "vector/" + std::string(op.name) + "/" + std::string(kernels::isa_name(isa)) + "/" +
                                 std::to_string(n);
        benchmark::RegisterBenchmark(name.c_str(), [isa, n, fn = op.fn](benchmark::State& s) {
          vector_bench(s, isa, n, fn);
        });
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace nanollama::bench
