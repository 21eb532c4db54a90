// SPDX-License-Identifier: Apache-2.0
// The lossy BF16-pairs product (MatrixLayout::bf16_pairs), on every path the CPU supports:
//  - activations rounded to BF16: hand-made cases, and an independent rounding written here
//    (the two neighbouring BF16 values, nearest, ties to even), against the reference and
//    every path's packer;
//  - the reference against a double-precision oracle of the BF16 values, within the
//    round-off budget of a sum;
//  - every path bitwise equal to the reference (vdpbf16ps's arithmetic, written out lane by
//    lane), on data whose magnitudes spread over many binades so that the order of the two
//    additions in a pair and the lane order matter; on a CPU with AVX512-BF16 this checks the
//    reference against the instruction itself, subnormals included;
//  - results independent of the batch and of the thread count;
//  - converting F32/F16 matrices to BF16 and refusing what does not convert.
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/dispatch.h"
#include "kernels/fp16.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::testing {
namespace {

// Independent of fp16.h's bit trick: of the two BF16 values around v (v's top half, and the
// next one away from zero), the nearer; on a tie, the one with an even last bit. Subnormal
// inputs are zero (vdpbf16ps reads them so); NaN stays NaN.
uint16_t round_bf16_by_distance(float v) {
  if (std::isnan(v)) return 0x7FC0;
  if (std::fpclassify(v) == FP_SUBNORMAL) v = std::copysign(0.0f, v);
  const uint32_t u = bits(v);
  const auto below = static_cast<uint16_t>(u >> 16);
  const auto above = static_cast<uint16_t>(below + 1);
  const double d_below = std::fabs(static_cast<double>(v) - static_cast<double>(from_bits(uint32_t{below} << 16)));
  if (d_below == 0.0) return below;
  const float hi = (above & 0x7F80u) == 0x7F80u && (above & 0x7Fu) == 0 ? std::copysign(INFINITY, v) : from_bits(uint32_t{above} << 16);
  // Halfway points are exactly representable in double; the infinity case rounds up only
  // from the last half step below 2^128 (the usual overflow threshold).
  const double d_above = std::isinf(hi) ? std::fabs(std::ldexp(1.0, 128) - std::fabs(static_cast<double>(v)))
                                        : std::fabs(static_cast<double>(hi) - static_cast<double>(v));
  if (d_below < d_above) return below;
  if (d_above < d_below) return above;
  return (below & 1u) == 0 ? below : above;
}

std::vector<float> special_floats() {
  std::vector<float> v = {1.0f, -1.0f, 0.0f, -0.0f, INFINITY, -INFINITY, NAN,
                          from_bits(0x3F808000u),  // halfway, even below: stays 1
                          from_bits(0x3F818000u),  // halfway, odd below: up
                          from_bits(0x3F808001u),  // just above halfway: up
                          from_bits(0x7F7FFFFFu),  // the largest float: rounds to infinity
                          from_bits(0x00000001u), from_bits(0x807FFFFFu),  // subnormals: zero
                          from_bits(0x00800000u), from_bits(0xFF7F7FFFu)};
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) v.push_back(from_bits(static_cast<uint32_t>(rng())));  // every kind of bit pattern
  return v;
}

TEST(Bf16Pairs, ActivationsRoundToNearestEvenWithSubnormalsFlushed) {
  EXPECT_EQ(ref::bf16_activation(from_bits(0x3F808000u)), 0x3F80);
  EXPECT_EQ(ref::bf16_activation(from_bits(0x3F818000u)), 0x3F82);
  EXPECT_EQ(ref::bf16_activation(from_bits(0x7F7FFFFFu)), 0x7F80);
  EXPECT_EQ(ref::bf16_activation(from_bits(0x807FFFFFu)), 0x8000);
  for (float v : special_floats()) {
    const uint16_t got = ref::bf16_activation(v);
    if (std::isnan(v)) {
      EXPECT_TRUE((got & 0x7F80u) == 0x7F80u && (got & 0x40u) != 0) << std::hex << bits(v) << " -> " << got;
    } else {
      EXPECT_EQ(got, round_bf16_by_distance(v)) << std::hex << bits(v);
    }
  }
}

TEST(Bf16Pairs, EveryPathRoundsAndPacksAsTheReference) {
  IsaGuard guard;
  const std::vector<float> x = special_floats();
  for (int64_t cols : {int64_t{1}, int64_t{31}, int64_t{33}, static_cast<int64_t>(x.size()) / 3}) {
    const int64_t n_act = static_cast<int64_t>(x.size()) / cols > 3 ? 3 : 1;
    const int64_t padded = bf16_pairs_padded_cols(cols);
    MatmulArgs a{nullptr, 0, cols, reinterpret_cast<const uint8_t*>(x.data()), static_cast<size_t>(cols) * 4, n_act, nullptr, 0};
    std::vector<uint16_t> want(static_cast<size_t>(n_act * padded), 0xFFFF);
    ref::pack_bf16_pairs(a, 0, 1, want.data());
    for (int64_t k = cols; k < padded; ++k) ASSERT_EQ(want[static_cast<size_t>(k)], 0) << "padding is zero";
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      const MatmulOps& ops = active_table().matmul_bf16_pairs;
      ASSERT_EQ(ops.packed_bytes(a), want.size() * 2);
      std::vector<uint16_t> got(want.size(), 0xFFFF);
      for (int part = 0; part < 2; ++part) ops.pack(a, part, 2, got.data());
      ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * 2), 0) << cols << " columns, " << isa_label(isa);
      std::vector<uint16_t> row(static_cast<size_t>(cols), 0xFFFF);  // the same rounding, one row (weights)
      active_table().round_bf16(x.data(), row.data(), cols);
      ASSERT_EQ(std::memcmp(row.data(), want.data(), row.size() * 2), 0) << cols << " columns, " << isa_label(isa);
    }
  }
}

struct Case {
  int64_t rows, cols, n_act;
};

// Weights and activations whose magnitudes spread over 2^-12..2^12, so that sums lose
// different bits depending on the order of additions.
std::vector<float> spread_floats(std::mt19937& rng, int64_t n) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng) * std::exp2(std::round(normal(rng) * 4.0f));
  return v;
}

struct Problem {
  std::vector<uint16_t> w;  // BF16 rows
  std::vector<float> x;
};

Problem make_problem(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  Problem p;
  const auto wf = spread_floats(rng, c.rows * c.cols);
  p.w.resize(wf.size());
  ref::bf16_activations(wf.data(), p.w.data(), c.rows * c.cols);
  p.x = spread_floats(rng, c.n_act * c.cols);
  return p;
}

// 64-byte aligned bytes.
struct Aligned {
  explicit Aligned(size_t n) : storage(n + 64) {}
  uint8_t* data() { return storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64; }
  std::vector<uint8_t> storage;
};

std::vector<float> run(const Case& c, const Problem& p, int threads, int64_t n_act = -1, const float* x = nullptr) {
  if (n_act < 0) n_act = c.n_act;
  Activations act;
  act.prepare(TensorType::BF16, x != nullptr ? x : p.x.data(), n_act, c.cols, c.cols);
  const MatrixView rows{TensorType::BF16, c.rows, c.cols, p.w.data(), static_cast<size_t>(c.cols) * 2};
  Aligned panels(bf16_pairs_bytes(rows));
  const MatrixView w = to_bf16_pairs(rows, panels.data(), 1);
  std::vector<float> y(static_cast<size_t>(n_act * c.rows), NAN);
  matmul(w, act, y.data(), c.rows, threads);
  return y;
}

std::string describe(const Case& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.cols) + " with " + std::to_string(c.n_act) + " activation rows";
}

// 13, 16, 17 and 30 activation rows: whole tiles and every kind of leftover.
const Case kCases[] = {{5, 1, 1},       {7, 31, 3},       {37, 32, 1},       {37, 64, 13}, {37, 100, 5},
                       {64, 1024, 13}, {19, 1056, 30}, {3, 3072, 2}, {8, 64, 16},   {11, 96, 17}};

TEST(Bf16Pairs, ReferenceIsWithinBudgetOfTheExactSumOfItsRoundedInputs) {
  uint32_t seed = 40;
  for (const Case& c : kCases) {
    const Problem p = make_problem(c, seed++);
    for (int64_t i = 0; i < c.n_act; ++i) {
      std::vector<uint16_t> xb(static_cast<size_t>(c.cols));
      ref::bf16_activations(p.x.data() + i * c.cols, xb.data(), c.cols);
      for (int64_t n = 0; n < c.rows; ++n) {
        double exact = 0, abs_sum = 0;
        for (int64_t k = 0; k < c.cols; ++k) {
          const double t = static_cast<double>(bf16_to_f32(p.w[static_cast<size_t>(n * c.cols + k)])) *
                           static_cast<double>(bf16_to_f32(xb[static_cast<size_t>(k)]));
          exact += t;
          abs_sum += std::fabs(t);
        }
        const float got = ref::dot_bf16_pairs(p.w.data() + n * c.cols, xb.data(), c.cols);
        ASSERT_LE(std::fabs(static_cast<double>(got) - exact), sum_budget(c.cols, abs_sum)) << describe(c);
      }
    }
  }
}

TEST(Bf16Pairs, EveryPathGivesTheReferenceBitsWhateverTheBatchAndThreads) {
  IsaGuard guard;
  uint32_t seed = 70;
  for (const Case& c : kCases) {
    const Problem p = make_problem(c, seed++);
    set_isa(Isa::scalar);
    const auto want = run(c, p, 1);
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      const auto got = run(c, p, 1);
      for (size_t j = 0; j < want.size(); ++j) {
        ASSERT_EQ(bits(got[j]), bits(want[j])) << describe(c) << " output " << j << ", " << isa_label(isa) << ": " << got[j]
                                               << " against the reference's " << want[j];
      }
      for (int threads : {2, 3}) {
        ASSERT_EQ(std::memcmp(run(c, p, threads).data(), got.data(), got.size() * 4), 0) << describe(c) << ", " << threads << " threads";
      }
      for (int64_t i = 0; i < c.n_act; ++i) {  // each activation row alone
        const auto one = run(c, p, 1, 1, p.x.data() + i * c.cols);
        ASSERT_EQ(std::memcmp(one.data(), got.data() + i * c.rows, static_cast<size_t>(c.rows) * 4), 0)
            << describe(c) << ": row " << i << " alone differs, " << isa_label(isa);
      }
    }
  }
}

bool cpu_has_avx512bf16() {
  for (std::string_view f : cpu_features()) {
    if (f == "avx512bf16") return true;
  }
  return false;
}

// Subnormal products and sums: vdpbf16ps reads subnormals as zero and writes them as zero
// after each of its two additions; the reference says so. Only the instruction can check it
// (the FMA paths keep subnormals, a difference BF16 weights made from F16 never meet).
TEST(Bf16Pairs, TheInstructionFlushesSubnormalsWhereTheReferenceDoes) {
  if (!cpu_has_avx512bf16()) GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  IsaGuard guard;
  set_isa(Isa::avx512vnni);
  // One weight row of two pairs: (w0, w1) = (2^-63, 0), then (w2, w3) = (2^-63, -1.5·2^-63),
  // so the chain holds 2^-63·x0 before the second pair.
  const Case c{1, 4, 3};
  const float tiny = std::ldexp(1.0f, -63);
  Problem p;
  p.w.assign(4, 0);
  p.w[0] = p.w[2] = ref::bf16_activation(tiny);
  p.w[3] = ref::bf16_activation(-1.5f * tiny);
  p.x.assign(3 * 4, 0.0f);
  // 2^-125, then - 1.5·2^-126 (a subnormal sum: flushed), then + 2^-126: 2^-126, not 1.5·2^-126.
  p.x[0] = 2 * tiny, p.x[2] = tiny, p.x[3] = tiny;
  // -2^-125 + 1.5·2^-126: subnormal, flushed; a subnormal activation (read as zero).
  p.x[4 + 0] = -2 * tiny, p.x[4 + 3] = -tiny, p.x[4 + 2] = std::ldexp(1.0f, -130);
  // Normal throughout.
  p.x[8 + 0] = 1.0f, p.x[8 + 2] = 3.0f, p.x[8 + 3] = 2.0f;
  const auto got = run(c, p, 1);
  set_isa(Isa::scalar);
  const auto want = run(c, p, 1);
  for (size_t j = 0; j < want.size(); ++j) EXPECT_EQ(bits(got[j]), bits(want[j])) << "row " << j;
}

TEST(Bf16Pairs, ConvertsFloatMatricesAndRefusesOthers) {
  std::mt19937 rng(5);
  const int64_t rows = 9, cols = 40;
  const auto wf = spread_floats(rng, rows * cols);
  std::vector<uint16_t> f16(wf.size());
  for (size_t i = 0; i < wf.size(); ++i) f16[i] = f32_to_fp16(wf[i]);
  const MatrixView w{TensorType::F16, rows, cols, f16.data(), static_cast<size_t>(cols) * 2};
  Aligned out(bf16_pairs_bytes(w));
  ASSERT_EQ(bf16_pairs_bytes(w), bf16_panel_stride(cols));  // 9 rows: one panel, 7 of its rows zero
  const MatrixView v = to_bf16_pairs(w, out.data(), 2);
  EXPECT_EQ(v.type, TensorType::BF16);
  EXPECT_EQ(v.layout, MatrixLayout::bf16_pairs);
  EXPECT_EQ(v.data, out.data());
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    dequantize_matrix_row(v, r, row.data());
    for (int64_t k = 0; k < cols; ++k) {
      const uint16_t want = round_bf16_by_distance(fp16_to_f32(f16[static_cast<size_t>(r * cols + k)]));
      ASSERT_EQ(bits(row[static_cast<size_t>(k)]), uint32_t{want} << 16) << "row " << r << " column " << k;
    }
  }
  // BF16 rows convert to themselves.
  std::vector<uint16_t> b16(f16.size());
  ref::bf16_activations(wf.data(), b16.data(), rows * cols);
  const MatrixView b{TensorType::BF16, rows, cols, b16.data(), static_cast<size_t>(cols) * 2};
  Aligned out_b(bf16_pairs_bytes(b));
  const MatrixView vb = to_bf16_pairs(b, out_b.data(), 1);
  dequantize_matrix_row(vb, 8, row.data());
  for (int64_t k = 0; k < cols; ++k) EXPECT_EQ(bits(row[static_cast<size_t>(k)]), uint32_t{b16[static_cast<size_t>(8 * cols + k)]} << 16);

  std::vector<uint8_t> q8(static_cast<size_t>(rows) * 34 * 2);
  const MatrixView q{TensorType::Q8_0, rows, 64, q8.data(), 68};
  EXPECT_THROW(bf16_pairs_bytes(q), Error);
  EXPECT_THROW(to_bf16_pairs(v, out.data(), 1), Error);      // converted already
  EXPECT_THROW(to_bf16_pairs(w, out.data() + 2, 1), Error);  // not 64-byte aligned
  MatrixView wrong = v;
  wrong.type = TensorType::F16;
  Activations act;
  const std::vector<float> x(cols, 1.0f);
  act.prepare(TensorType::F16, x.data(), 1, cols, cols);
  std::vector<float> y(rows);
  EXPECT_THROW(matmul(wrong, act, y.data(), rows, 1), Error);
}

}  // namespace
}  // namespace nanollama::kernels::testing
