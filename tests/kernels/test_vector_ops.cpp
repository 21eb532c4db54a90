// SPDX-License-Identifier: Apache-2.0
// Float vector routines on every path: against double-precision oracles computed here, and
// against the scalar reference. Lengths cover tails shorter than, equal to and longer than
// every vector width (head dims 8, 32 and 64; FFN 172).
// The oracles here compute in double on purpose; promoting f32 inputs is the point.
#pragma GCC diagnostic ignored "-Wdouble-promotion"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

const int64_t kLengths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 172, 1000, 3072};

std::vector<uint16_t> to_f16(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  f32_to_f16(v.data(), h.data(), static_cast<int64_t>(v.size()));
  return h;
}

// Relative element-wise budgets, in units of f32 roundoff (u = 2^-24):
constexpr double kElementwiseUlps = 4;    // add, scale, axpy, rope: a couple of roundings
constexpr double kTranscendentalUlps = 64;  // exp-based: libm vs xsimd polynomial (both < 4 ulp) + ops

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double ulps, double abs_floor,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = ulps * kU * std::fabs(want[i]) + abs_floor;
    ASSERT_LE(std::fabs(got[i] - want[i]), tol) << what << " element " << i << " of " << got.size();
  }
}

class VectorOps : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override { set_isa(GetParam()); }
  IsaGuard guard_;
  std::mt19937 rng_{42};
};

TEST_P(VectorOps, Dots) {
  for (int64_t n : kLengths) {
    const auto a = random_floats(rng_, n), b = random_floats(rng_, n);
    const auto b16 = to_f16(b);
    std::vector<float> b16f(b.size());
    f16_to_f32(b16.data(), b16f.data(), n);
    double exact = 0, abs_sum = 0, exact16 = 0, abs16 = 0;
    for (int64_t i = 0; i < n; ++i) {
      exact += static_cast<double>(a[i]) * b[i];
      abs_sum += std::fabs(static_cast<double>(a[i]) * b[i]);
      exact16 += static_cast<double>(a[i]) * b16f[i];
      abs16 += std::fabs(static_cast<double>(a[i]) * b16f[i]);
    }
    EXPECT_LE(std::fabs(dot_f32(a.data(), b.data(), n) - exact), sum_budget(n, abs_sum)) << n;
    EXPECT_LE(std::fabs(dot_f32_f16(a.data(), b16.data(), n) - exact16), sum_budget(n, abs16)) << n;
  }
}

// Gathered rows must give, row for row, exactly what the single-row routines give on the
// same path (attention relies on it matching the one-key-at-a-time arithmetic).
TEST_P(VectorOps, GatheredRowsMatchSingleRows) {
  // 64: a head; 100 and 200: more than the vectors the axpy keeps in registers at once.
  for (int64_t n : {int64_t{8}, int64_t{17}, int64_t{64}, int64_t{100}, int64_t{200}}) {
    const int64_t stride = n + 5, rows_total = 9;
    const auto table32 = random_floats(rng_, stride * rows_total);
    const auto table16 = to_f16(table32);
    const auto q = random_floats(rng_, n);
    const std::vector<int32_t> index = {4, 0, 8, 8, 2, 7};  // any order, repeats allowed
    const auto count = static_cast<int64_t>(index.size());
    std::vector<float> out32(index.size()), out16(index.size()), weights = random_floats(rng_, count);
    dot_rows_f32(q.data(), table32.data(), static_cast<size_t>(stride), index.data(), count, n, 0.125f, out32.data());
    dot_rows_f16(q.data(), table16.data(), static_cast<size_t>(stride), index.data(), count, n, 0.125f, out16.data());
    std::vector<float> y32(static_cast<size_t>(n), 0.5f), y16 = y32, want32 = y32, want16 = y32;
    axpy_rows_f32(weights.data(), table32.data(), static_cast<size_t>(stride), index.data(), count, n, y32.data());
    axpy_rows_f16(weights.data(), table16.data(), static_cast<size_t>(stride), index.data(), count, n, y16.data());
    for (size_t i = 0; i < index.size(); ++i) {
      const size_t at = static_cast<size_t>(index[i]) * static_cast<size_t>(stride);
      EXPECT_EQ(out32[i], 0.125f * dot_f32(q.data(), table32.data() + at, n)) << "row " << i;
      EXPECT_EQ(out16[i], 0.125f * dot_f32_f16(q.data(), table16.data() + at, n)) << "row " << i;
      axpy_f32(weights[i], table32.data() + at, want32.data(), n);
      axpy_f16(weights[i], table16.data() + at, want16.data(), n);
    }
    EXPECT_EQ(y32, want32);
    EXPECT_EQ(y16, want16);
  }
}

TEST_P(VectorOps, ElementwiseArithmetic) {
  for (int64_t n : kLengths) {
    const auto x = random_floats(rng_, n), y0 = random_floats(rng_, n);
    const auto x16 = to_f16(x);
    std::vector<float> x16f(x.size());
    f16_to_f32(x16.data(), x16f.data(), n);
    std::vector<double> want(x.size());
    auto y = y0;
    axpy_f32(-0.75f, x.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) want[i] = y0[i] - 0.75 * x[i];
    expect_close(y, want, kElementwiseUlps, 4 * kU, "axpy_f32");
    y = y0;
    axpy_f16(1.5f, x16.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) want[i] = y0[i] + 1.5 * x16f[i];
    expect_close(y, want, kElementwiseUlps, 4 * kU, "axpy_f16");
    y = y0;
    add(y.data(), x.data(), n);
    for (int64_t i = 0; i < n; ++i) want[i] = static_cast<double>(y0[i]) + x[i];
    expect_close(y, want, kElementwiseUlps, 4 * kU, "add");
    y = y0;
    scale(y.data(), -3.0f, n);
    for (int64_t i = 0; i < n; ++i) want[i] = -3.0 * y0[i];
    expect_close(y, want, 1, 0, "scale");
  }
}

TEST_P(VectorOps, RmsNorm) {
  for (int64_t n : kLengths) {
    auto x = random_floats(rng_, n, -30.0f, 30.0f);
    const auto gain = random_floats(rng_, n, 0.5f, 1.5f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(n) + 1e-5);
    std::vector<double> want(x.size());
    for (int64_t i = 0; i < n; ++i) want[i] = x[i] * inv * gain[i];
    std::vector<float> y(x.size());
    rms_norm(x.data(), gain.data(), y.data(), n, 1e-5f);
    expect_close(y, want, 8, 0, "rms_norm");
    rms_norm(x.data(), gain.data(), x.data(), n, 1e-5f);  // in place
    expect_close(x, want, 8, 0, "rms_norm in place");
  }
  std::vector<float> zeros(37, 0.0f), out(37, 1.0f);
  rms_norm(zeros.data(), nullptr, out.data(), 37, 1e-6f);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST_P(VectorOps, Softmax) {
  for (int64_t n : kLengths) {
    auto x = random_floats(rng_, n, -20.0f, 20.0f);
    if (n > 4) x[3] = -INFINITY;  // a masked position
    double max = -INFINITY;
    for (float v : x) max = std::max(max, static_cast<double>(v));
    std::vector<double> want(x.size());
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += want[i] = std::exp(x[i] - max);
    for (auto& w : want) w /= sum;
    const float got_sum = softmax(x.data(), n);
    EXPECT_NEAR(got_sum, sum, sum * kTranscendentalUlps * kU);
    expect_close(x, want, kTranscendentalUlps, 1e-30, "softmax");
  }
  std::vector<float> masked(9, -INFINITY);
  EXPECT_EQ(softmax(masked.data(), 9), 0.0f);
  for (float v : masked) EXPECT_EQ(v, 0.0f);
}

TEST_P(VectorOps, GatedActivations) {
  for (int64_t n : kLengths) {
    auto gate = random_floats(rng_, n, -12.0f, 12.0f);
    const auto up = random_floats(rng_, n);
    if (n > 8) gate[0] = 100.0f, gate[1] = -100.0f, gate[2] = 88.0f, gate[3] = -88.0f, gate[4] = 0.0f;
    std::vector<double> want_silu(gate.size()), want_mish(gate.size());
    for (int64_t i = 0; i < n; ++i) {
      const double g = gate[i];
      want_silu[i] = g / (1 + std::exp(-g)) * up[i];
      want_mish[i] = g * std::tanh(std::log1p(std::exp(g))) * up[i];
    }
    std::vector<float> out(gate.size());
    silu_mul(gate.data(), up.data(), out.data(), n);
    expect_close(out, want_silu, kTranscendentalUlps, 1e-30, "silu_mul");
    mish_mul(gate.data(), up.data(), out.data(), n);
    expect_close(out, want_mish, kTranscendentalUlps, 1e-30, "mish_mul");
  }
}

TEST_P(VectorOps, RopePairs) {
  for (int64_t pairs : {1, 2, 3, 4, 5, 8, 16, 32, 33}) {
    auto x = random_floats(rng_, 2 * pairs);
    std::vector<float> c(static_cast<size_t>(pairs)), s(static_cast<size_t>(pairs));
    for (int64_t i = 0; i < pairs; ++i) c[i] = std::cos(0.3f * i + 0.1f), s[i] = std::sin(0.3f * i + 0.1f);
    std::vector<double> want(x.size());
    for (int64_t i = 0; i < pairs; ++i) {
      want[2 * i] = static_cast<double>(x[2 * i]) * c[i] - static_cast<double>(x[2 * i + 1]) * s[i];
      want[2 * i + 1] = static_cast<double>(x[2 * i]) * s[i] + static_cast<double>(x[2 * i + 1]) * c[i];
    }
    rope_pairs(x.data(), c.data(), s.data(), pairs);
    expect_close(x, want, 0, 4 * kU, "rope_pairs");  // |x| <= 1: absolute budget
  }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, VectorOps, ::testing::ValuesIn(supported_isas()),
                         [](const ::testing::TestParamInfo<Isa>& param) {
                           // Test names take letters, digits and underscores: "neon-dotprod" -> "neon_dotprod".
                           std::string name(isa_name(param.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace nanollama::kernels::testing
