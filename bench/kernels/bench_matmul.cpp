// SPDX-License-Identifier: Apache-2.0
// Matrix products at DanTagGen's shapes, per weight type, path, activation-row count and
// thread count. Reports GB/s of weights read (bytes_per_second) and GFLOP/s (2·rows·cols
// per activation row).
//
// One activation row (decode) reads weights that are cold, as in a real forward pass that
// touches ~400 MB per token: the benchmark cycles over enough copies of the matrix to
// exceed the 32 MB L3 three times over. The ".../hot" variants repeat one copy (cache-
// resident where it fits) to show the kernel's own speed. Several rows (prefill) are
// compute-bound and use one copy; Q8_0 prefill also runs "/cold", on copies as for decode.
// "Q8_0-panels": the matrix repacked once beforehand (kernels::pack_panels), as the model
// loader does.
#include <cstring>
#include <memory>
#include <random>

#include "bench_util.h"

namespace nanollama::bench {
namespace {

using kernels::Activations;
using kernels::Isa;
using kernels::MatrixLayout;
using kernels::MatrixView;

struct Shape {
  int64_t rows, cols;
};
constexpr Shape kShapes[] = {{1024, 1024}, {3072, 1024}, {1024, 3072}, {32006, 1024}};
constexpr size_t kColdBytes = size_t{96} << 20;

// Weight bytes with valid scales (every block's f16 scale set to 2^-7): the kernels' speed
// does not depend on the values, and random bytes are much faster to make than quantizing.
std::vector<uint8_t> make_weights(TensorType type, int64_t rows, int64_t cols) {
  const size_t bytes = *row_bytes(type, static_cast<uint64_t>(cols)) * static_cast<size_t>(rows);
  std::vector<uint8_t> w(bytes);
  std::mt19937_64 rng(5);
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    const uint64_t r = rng() & 0x3FFF3FFF3FFF3FFFull;  // keeps f16/bf16 values finite and small
    std::memcpy(&w[i], &r, 8);
  }
  const uint16_t scale = 0x2000;  // f16 2^-7
  if (type == TensorType::Q8_0) {
    for (size_t b = 0; b < bytes; b += 34) std::memcpy(&w[b], &scale, 2);
  } else if (type == TensorType::Q6_K) {
    for (size_t b = 0; b < bytes; b += 210) std::memcpy(&w[b + 208], &scale, 2);
  }
  return w;
}

void matmul_bench(benchmark::State& state, TensorType type, Isa isa, Shape shape, int64_t n_act, int threads, bool cold,
                  MatrixLayout layout) {
  ScopedIsa scoped(isa);
  const size_t stride = *row_bytes(type, static_cast<uint64_t>(shape.cols));
  const auto one = make_weights(type, shape.rows, shape.cols);
  const MatrixView rows_view{type, shape.rows, shape.cols, one.data(), stride};
  const bool panels = layout == MatrixLayout::q8_0_panels, pairs = layout == MatrixLayout::bf16_pairs;
  // Copies 64-byte aligned (panels need it), each the matrix's bytes in its layout.
  const size_t matrix_bytes = panels  ? kernels::panel_bytes(type, shape.rows, shape.cols)
                              : pairs ? kernels::bf16_pairs_bytes(rows_view)
                                      : stride * static_cast<size_t>(shape.rows);
  const size_t copies = cold ? std::max<size_t>(1, (kColdBytes + matrix_bytes - 1) / matrix_bytes) : 1;
  const size_t copy_bytes = (matrix_bytes + 63) / 64 * 64;
  std::vector<uint8_t> storage(copy_bytes * copies + 64);
  uint8_t* all = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  std::vector<MatrixView> views;
  for (size_t c = 0; c < copies; ++c) {
    uint8_t* copy = all + c * copy_bytes;
    if (panels) {
      views.push_back(kernels::pack_panels(rows_view, copy, 2));
    } else if (pairs) {
      views.push_back(kernels::to_bf16_pairs(rows_view, copy, 2));
    } else {
      std::memcpy(copy, one.data(), matrix_bytes);
      views.push_back({type, shape.rows, shape.cols, copy, stride});
    }
  }

  std::vector<float> x(static_cast<size_t>(n_act * shape.cols));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& v : x) v = dist(rng);
  Activations act;
  act.prepare(type, x.data(), n_act, shape.cols, shape.cols, threads);
  std::vector<float> y(static_cast<size_t>(n_act * shape.rows));

  size_t c = 0;
  for (auto _ : state) {
    kernels::matmul(views[c], act, y.data(), shape.rows, threads);
    benchmark::DoNotOptimize(y.data());
    c = c + 1 == copies ? 0 : c + 1;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(matrix_bytes));
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * static_cast<double>(shape.rows * shape.cols * n_act),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// Converting activation rows (once per product set).
void prepare_bench(benchmark::State& state, TensorType weight_type, Isa isa, int64_t n_act) {
  ScopedIsa scoped(isa);
  const int64_t cols = 1024;
  std::vector<float> x(static_cast<size_t>(n_act * cols), 0.25f);
  Activations act;
  for (auto _ : state) {
    act.prepare(weight_type, x.data(), n_act, cols, cols, 1);
    benchmark::DoNotOptimize(act.row(0));
  }
  state.SetItemsProcessed(state.iterations() * n_act * cols);
}

const bool registered = [] {
  // 1: decoding one sequence; 4: several sequences decoded together (variants, requests in
  // flight); 128: a prompt.
  const std::vector<int64_t> acts = full_grid() ? std::vector<int64_t>{1, 2, 4, 8, 32, 128} : std::vector<int64_t>{1, 4, 128};
  for (Isa isa : bench_isas()) {
    for (TensorType type : {TensorType::F16, TensorType::Q8_0, TensorType::Q6_K, TensorType::F32, TensorType::BF16}) {
      for (const Shape& s : kShapes) {
        for (int64_t n_act : acts) {
          for (int threads : {1, 2}) {
            // BF16 also as BF16 pairs: the lossy product (activations rounded to BF16 too).
            for (MatrixLayout layout : {MatrixLayout::rows, MatrixLayout::q8_0_panels, MatrixLayout::bf16_pairs}) {
              if (layout == MatrixLayout::q8_0_panels && !kernels::packs_to_panels(type)) continue;
              if (layout == MatrixLayout::bf16_pairs && type != TensorType::BF16) continue;
              const char* suffix = layout == MatrixLayout::q8_0_panels ? "-panels" : layout == MatrixLayout::bf16_pairs ? "-pairs" : "";
              const std::string name = "matmul/" + std::string(tensor_type_name(type)) + suffix + "/" +
                                       std::string(kernels::isa_name(isa)) + "/" + std::to_string(s.rows) + "x" +
                                       std::to_string(s.cols) + "/act:" + std::to_string(n_act) +
                                       "/threads:" + std::to_string(threads);
              const bool cold = n_act <= 8;  // decoding reads the weights from memory
              benchmark::RegisterBenchmark(name.c_str(), matmul_bench, type, isa, s, n_act, threads, cold, layout)
                  ->Unit(benchmark::kMicrosecond)
                  ->UseRealTime();
              // Decode: also the same matrix over and over (cache-resident where it fits).
              // Q8_0 prefill: also weights read from memory, as in a forward pass (the
              // matrix is packed per call unless it is in panels already).
              const bool other = n_act <= 8 || kernels::packs_to_panels(type);
              if (other) {
                benchmark::RegisterBenchmark((name + (cold ? "/hot" : "/cold")).c_str(), matmul_bench, type, isa, s, n_act,
                                             threads, !cold, layout)
                    ->Unit(benchmark::kMicrosecond)
                    ->UseRealTime();
              }
            }
          }
        }
      }
    }
    for (TensorType type : {TensorType::F16, TensorType::Q8_0, TensorType::Q6_K}) {
      for (int64_t n_act : {int64_t{1}, int64_t{128}}) {
        const std::string name = "prepare/" + std::string(tensor_type_name(type)) + "/" +
                                 std::string(kernels::isa_name(isa)) + "/1024/act:" + std::to_string(n_act);
        benchmark::RegisterBenchmark(name.c_str(), prepare_bench, type, isa, n_act)->Unit(benchmark::kMicrosecond);
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace nanollama::bench
