// SPDX-License-Identifier: Apache-2.0
// Matrix products for every weight type, on every path the CPU supports:
//  - the scalar reference against a double-precision oracle computed here from the decoded
//    weights and activations, within the round-off budget of a sum (kernel_test_util.h);
//  - every SIMD path against the scalar reference, within twice that budget;
//  - exact integer results where every float step is exact (unit scales, small sums);
//  - bitwise identical results for 1, 2 and 3 threads (and more threads than CPUs, whose
//    chunks other threads take), matmul_rows, and grouped products.
#include <cstring>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

struct Problem {
  TensorType type;
  int64_t rows, cols, n_act;
};

struct Data {
  std::vector<uint8_t> w;      // rows x row_bytes, quantized from random floats
  std::vector<float> x;        // n_act x cols
  size_t stride = 0;
};

Data make_data(const Problem& p, uint32_t seed) {
  std::mt19937 rng(seed);
  Data d;
  d.stride = *row_bytes(p.type, static_cast<uint64_t>(p.cols));
  d.w.resize(d.stride * static_cast<size_t>(p.rows));
  for (int64_t r = 0; r < p.rows; ++r) {
    // Rows of different magnitudes and signs, so scales vary (and some are negative).
    const float mag = std::ldexp(1.0f, static_cast<int>(r % 7) - 3) * (r % 3 == 0 ? -1.0f : 1.0f);
    auto row = random_floats(rng, p.cols, -mag, mag);
    quantize_row(p.type, row.data(), d.w.data() + r * d.stride, p.cols);
  }
  d.x = random_floats(rng, p.n_act * p.cols, -2.0f, 2.0f);
  return d;
}

// Oracle: double-precision dot of the decoded weight row and the decoded activation row
// (the activations as the kernel sees them, i.e. after their own quantization), and the
// budget for that product.
struct Oracle {
  std::vector<double> value, budget;
};

Oracle oracle(const Problem& p, const Data& d, const Activations& act) {
  Oracle o;
  std::vector<float> wf(static_cast<size_t>(p.cols)), xf(static_cast<size_t>(p.cols));
  for (int64_t i = 0; i < p.n_act; ++i) {
    dequantize_row(act.type(), act.row(i), xf.data(), p.cols);
    for (int64_t n = 0; n < p.rows; ++n) {
      dequantize_row(p.type, d.w.data() + n * d.stride, wf.data(), p.cols);
      double sum = 0, abs_sum = 0;
      for (int64_t k = 0; k < p.cols; ++k) {
        sum += static_cast<double>(wf[k]) * static_cast<double>(xf[k]);
        abs_sum += std::fabs(static_cast<double>(wf[k]) * static_cast<double>(xf[k]));
      }
      o.value.push_back(sum);
      // Quantized types: decoding one element rounds d·q (and d·scale·q) once more than
      // the kernels, which keep integers exact; 3u per term covers that.
      const bool quantized = p.type == TensorType::Q8_0 || p.type == TensorType::Q6_K;
      o.budget.push_back(sum_budget(p.cols, abs_sum) + (quantized ? 3 * kU * abs_sum : 0.0));
    }
  }
  return o;
}

std::vector<float> run(const Problem& p, const Data& d, const Activations& act, int threads) {
  std::vector<float> y(static_cast<size_t>(p.n_act * p.rows), NAN);
  const MatrixView w{p.type, p.rows, p.cols, d.w.data(), d.stride};
  matmul(w, act, y.data(), p.rows, threads);
  return y;
}

std::string describe(const Problem& p) {
  return std::string(tensor_type_name(p.type)) + " " + std::to_string(p.rows) + "x" + std::to_string(p.cols) +
         " with " + std::to_string(p.n_act) + " activation rows";
}

std::vector<Problem> problems() {
  std::vector<Problem> out;
  for (TensorType t : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    for (int64_t cols : {1, 3, 8, 15, 16, 17, 172, 1031}) {
      for (int64_t n_act : {1, 2, 5, 8, 13}) out.push_back({t, 37, cols, n_act});  // 13: the tiled path
    }
    out.push_back({t, 64, 64, 13});
  }
  for (int64_t cols : {32, 64, 96, 320, 1024}) {
    for (int64_t n_act : {1, 3, 7, 12}) out.push_back({TensorType::Q8_0, 37, cols, n_act});  // 12: the packed path
  }
  out.push_back({TensorType::Q8_0, 70, 256, 16});
  for (int64_t cols : {256, 512, 768}) {
    for (int64_t n_act : {1, 3, 7, 17}) out.push_back({TensorType::Q6_K, 23, cols, n_act});  // 17: the tiles
  }
  out.push_back({TensorType::Q6_K, 40, 256, 12});
  out.push_back({TensorType::F16, 1, 8, 1});
  out.push_back({TensorType::Q8_0, 1, 32, 1});
  return out;
}

TEST(Matmul, EveryPathWithinBudgetOfTheOracleAndTheReference) {
  IsaGuard guard;
  uint32_t seed = 100;
  for (const Problem& p : problems()) {
    const Data d = make_data(p, seed++);
    set_isa(Isa::scalar);
    Activations act;
    act.prepare(p.type, d.x.data(), p.n_act, p.cols, p.cols);
    const Oracle o = oracle(p, d, act);
    const auto ref = run(p, d, act, 1);
    for (size_t j = 0; j < ref.size(); ++j) {
      ASSERT_LE(std::fabs(static_cast<double>(ref[j]) - o.value[j]), o.budget[j]) << describe(p) << " output " << j << " scalar";
    }
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      Activations act_isa;
      act_isa.prepare(p.type, d.x.data(), p.n_act, p.cols, p.cols);
      ASSERT_EQ(act_isa.row_bytes(), act.row_bytes());
      ASSERT_EQ(std::memcmp(act_isa.row(0), act.row(0), act.row_bytes() * static_cast<size_t>(p.n_act)), 0)
          << "activation bytes differ on " << isa_label(isa);
      const auto y1 = run(p, d, act_isa, 1);
      for (size_t j = 0; j < y1.size(); ++j) {
        ASSERT_LE(std::fabs(static_cast<double>(y1[j]) - static_cast<double>(ref[j])), 2 * o.budget[j]) << describe(p) << " output " << j << " " << isa_label(isa);
      }
      for (int threads : {2, 3}) {
        const auto yt = run(p, d, act_isa, threads);
        ASSERT_EQ(std::memcmp(yt.data(), y1.data(), y1.size() * 4), 0)
            << describe(p) << ": " << threads << " threads differ from one, " << isa_label(isa);
      }
    }
  }
}

// Unit scales and small integers: every float operation is exact, so every path must give
// the exact integer dot product the test computes on its own.
TEST(Matmul, IntegerResultsAreExactOnEveryPath) {
  IsaGuard guard;
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127), act_val(-127, 127), small_scale(-4, 4), any(0, 255);
  for (TensorType t : {TensorType::Q8_0, TensorType::Q6_K}) {
    const int64_t cols = t == TensorType::Q8_0 ? 32 * 7 : 512;
    const int64_t rows = 9, n_act = 5;
    const size_t stride = *row_bytes(t, cols);
    std::vector<uint8_t> w(stride * rows);
    std::vector<int> wq(static_cast<size_t>(rows * cols));  // decoded weight integers
    for (int64_t r = 0; r < rows; ++r) {
      uint8_t* row = w.data() + r * stride;
      if (t == TensorType::Q8_0) {
        for (int64_t b = 0; b < cols / 32; ++b) {
          row[b * 34] = 0x00, row[b * 34 + 1] = 0x3C;  // f16 1.0
          for (int j = 0; j < 32; ++j) {
            const int v = byte(rng);  // including -128, which no quantizer writes
            row[b * 34 + 2 + j] = static_cast<uint8_t>(v);
            wq[r * cols + b * 32 + j] = v;
          }
        }
      } else {
        for (int64_t b = 0; b < cols / 256; ++b) {
          uint8_t* blk = row + b * 210;
          for (int j = 0; j < 192; ++j) blk[j] = static_cast<uint8_t>(any(rng));
          int scales[16];
          for (int g = 0; g < 16; ++g) blk[192 + g] = static_cast<uint8_t>(scales[g] = small_scale(rng));
          blk[208] = 0x00, blk[209] = 0x3C;
          for (int j = 0; j < 256; ++j) {  // docs/WEIGHTS.md, "Q6_K", written out independently
            const int h = j / 128, g = (j % 128) / 32, l = j % 32;
            const int low4 = (blk[64 * h + 32 * (g % 2) + l] >> (4 * (g / 2))) & 0xF;
            const int high2 = (blk[128 + 32 * h + l] >> (2 * g)) & 3;
            wq[r * cols + b * 256 + j] = scales[j / 16] * ((low4 | (high2 << 4)) - 32);
          }
        }
      }
    }
    // Activations: integers with a 127 first in every block quantize to themselves with
    // scale 1 (Q8_0), or to their negatives with scale -1 (Q8_K: the scale is max / -127);
    // either way the product is Σ w·x exactly.
    std::vector<float> x(static_cast<size_t>(n_act * cols));
    for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(act_val(rng));
    for (size_t k = 0; k < x.size(); k += 32) x[k] = 127.0f;
    std::vector<double> want(static_cast<size_t>(n_act * rows));
    for (int64_t i = 0; i < n_act; ++i) {
      for (int64_t n = 0; n < rows; ++n) {
        int64_t sum = 0;
        for (int64_t k = 0; k < cols; ++k) {
          sum += static_cast<int64_t>(wq[n * cols + k]) * static_cast<int64_t>(x[i * cols + k]);
        }
        want[i * rows + n] = static_cast<double>(sum);
      }
    }
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      Activations act;
      act.prepare(t, x.data(), n_act, cols, cols);
      std::vector<float> y(want.size());
      matmul(MatrixView{t, rows, cols, w.data(), stride}, act, y.data(), rows, 2);
      for (size_t j = 0; j < y.size(); ++j) {
        ASSERT_EQ(static_cast<double>(y[j]), want[j]) << tensor_type_name(t) << " output " << j << " " << isa_label(isa);
      }
    }
  }
}

TEST(Matmul, GroupedProductsAndRowRangesMatchSingleProducts) {
  IsaGuard guard;
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    for (TensorType t : {TensorType::F16, TensorType::Q8_0, TensorType::Q6_K}) {
      const Problem p{t, 50, 512, 3};
      const Data a = make_data(p, 1), b = make_data({t, 20, 512, 3}, 2);
      Activations act;
      act.prepare(t, a.x.data(), p.n_act, p.cols, p.cols, 2);
      const MatrixView wa{t, 50, 512, a.w.data(), a.stride}, wb{t, 20, 512, b.w.data(), b.stride};
      // Outputs interleaved in one buffer through ldy, as a fused QKV projection writes them.
      std::vector<float> fused(3 * 70), ya(3 * 50), yb(3 * 20), ranged(3 * 50, NAN);
      const MatmulTarget targets[] = {{wa, fused.data(), 70}, {wb, fused.data() + 50, 70}};
      matmul(targets, act, 3);
      matmul(wa, act, ya.data(), 50, 1);
      matmul(wb, act, yb.data(), 20, 1);
      matmul_rows(wa, act, ranged.data(), 50, 0, 17);
      matmul_rows(wa, act, ranged.data(), 50, 17, 50);
      for (int i = 0; i < 3; ++i) {
        for (int n = 0; n < 50; ++n) {
          ASSERT_EQ(fused[i * 70 + n], ya[i * 50 + n]) << isa_label(isa);
          ASSERT_EQ(ranged[i * 50 + n], ya[i * 50 + n]) << isa_label(isa);
        }
        for (int n = 0; n < 20; ++n) ASSERT_EQ(fused[i * 70 + 50 + n], yb[i * 20 + n]) << isa_label(isa);
      }
    }
  }
}

// Batch invariance for every weight type on GGUF rows: an activation row's outputs among 2
// to 16 others (sequences decoded together, chunks of prompts) or 20 (prompt tiles) equal
// its outputs alone.
TEST(Matmul, ARowsOutputsDoNotDependOnItsBatch) {
  IsaGuard guard;
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    for (TensorType t : {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q6_K}) {
      for (int64_t n_act : {2, 3, 4, 5, 8, 13, 20}) {
        const Problem p{t, 19, 512, n_act};
        const Data d = make_data(p, static_cast<uint32_t>(n_act) * 7u);
        Activations batch;
        batch.prepare(t, d.x.data(), n_act, p.cols, p.cols);
        const auto all = run(p, d, batch, 2);
        for (int64_t i = 0; i < n_act; ++i) {
          Activations one;
          one.prepare(t, d.x.data() + i * p.cols, 1, p.cols, p.cols);
          const auto alone = run({t, p.rows, p.cols, 1}, d, one, 1);
          ASSERT_EQ(std::memcmp(alone.data(), all.data() + i * p.rows, alone.size() * sizeof(float)), 0)
              << describe(p) << ", row " << i << ", " << isa_label(isa);
        }
      }
    }
  }
}

// Each thread walks its own slice of every product in chunks and then takes the chunks left
// in the other slices (matmul.cpp). More threads than CPUs make threads take others'
// chunks: every row must still be computed once, with the same bits as on one thread.
TEST(Matmul, ThreadsTakingEachOthersChunksComputeEveryRowOnce) {
  for (TensorType t : {TensorType::F16, TensorType::Q8_0, TensorType::Q6_K}) {
    for (int64_t rows : {1000, 1024}) {
      for (int64_t n_act : {1, 3}) {
        const Problem small{t, 24, 256, n_act}, big{t, rows, 256, n_act};
        const Data a = make_data(small, 11), b = make_data(big, 12);
        Activations act;
        act.prepare(t, a.x.data(), n_act, big.cols, big.cols);
        const MatrixView wa{t, small.rows, small.cols, a.w.data(), a.stride}, wb{t, big.rows, big.cols, b.w.data(), b.stride};
        const int64_t ld = small.rows + big.rows;
        const auto product = [&](int threads) {
          std::vector<float> y(static_cast<size_t>(n_act * ld), NAN);
          const MatmulTarget targets[] = {{wa, y.data(), ld}, {wb, y.data() + small.rows, ld}};
          matmul(targets, act, threads);
          return y;
        };
        const auto one = product(1);
        for (float v : one) ASSERT_FALSE(std::isnan(v));
        for (int threads : {2, 3, 4, 7}) {
          const auto y = product(threads);
          ASSERT_EQ(std::memcmp(y.data(), one.data(), y.size() * sizeof(float)), 0)
              << describe(big) << " after " << small.rows << " rows, on " << threads << " threads";
        }
      }
    }
  }
}

TEST(Matmul, RejectsMismatchedArguments) {
  std::vector<uint8_t> w(34 * 4);
  std::vector<float> x(64), y(8);
  Activations act;
  act.prepare(TensorType::F32, x.data(), 1, 64, 64);
  const MatrixView q8{TensorType::Q8_0, 2, 64, w.data(), 68};
  EXPECT_THROW(matmul(q8, act, y.data(), 2, 1), Error);  // F32 activations for Q8_0 weights
  act.prepare(TensorType::Q8_0, x.data(), 1, 64, 64);
  EXPECT_NO_THROW(matmul(q8, act, y.data(), 2, 1));
  EXPECT_THROW(matmul(MatrixView{TensorType::Q8_0, 2, 32, w.data(), 34}, act, y.data(), 2, 1), Error);  // cols
  EXPECT_THROW(matmul(MatrixView{TensorType::Q8_0, 2, 64, w.data(), 60}, act, y.data(), 2, 1), Error);  // stride
  EXPECT_THROW(matmul(MatrixView{TensorType::Q4_0, 2, 64, w.data(), 36}, act, y.data(), 2, 1), Error);  // type
  EXPECT_THROW(matmul(MatrixView{TensorType::Q8_0, 2, 64, nullptr, 68}, act, y.data(), 2, 1), Error);
  EXPECT_THROW(matmul_rows(q8, act, y.data(), 2, 1, 3), Error);
  EXPECT_THROW(act.prepare(TensorType::Q8_0, x.data(), 1, 48, 48), Error);  // not whole blocks
  EXPECT_THROW(act.prepare(TensorType::Q6_K, x.data(), 1, 64, 64), Error);  // Q8_K needs 256
  EXPECT_THROW(act.prepare(TensorType::Q4_0, x.data(), 1, 64, 64), Error);
}

TEST(Activations, BufferIsReusedOnceGrown) {
  std::vector<float> x(8 * 1024, 0.5f);
  Activations act;
  act.prepare(TensorType::F32, x.data(), 8, 1024, 1024);  // the largest of the sizes below
  const uint8_t* first = act.row(0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u);
  for (TensorType t : {TensorType::F32, TensorType::Q6_K, TensorType::Q8_0, TensorType::F16}) {
    act.prepare(t, x.data(), 2, 1024, 1024);
    EXPECT_EQ(act.row(0), first) << tensor_type_name(t);
  }
  act.prepare(TensorType::Q8_0, x.data(), 8, 1024, 1024);
  EXPECT_EQ(act.row(0), first);
  act.prepare(TensorType::F32, x.data(), 8, 1024, 1024);
  EXPECT_EQ(act.row(0), first);
  EXPECT_EQ(act.type(), TensorType::F32);
  EXPECT_EQ(act.rows(), 8);
  EXPECT_EQ(act.row_bytes(), 4096u);
}

}  // namespace
}  // namespace nanollama::kernels::testing
