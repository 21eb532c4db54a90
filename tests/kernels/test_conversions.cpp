// SPDX-License-Identifier: Apache-2.0
// Half-precision conversions and the reference quantizers: checked against independent
// arithmetic (ldexp, nearest-neighbour searches, per-block error bounds), and every SIMD
// path against the scalar one bit for bit.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

// IEEE binary16 decoded with plain arithmetic, independent of the code under test.
double f16_value(uint16_t h) {
  const int sign = (h & 0x8000) ? -1 : 1;
  const int e = (h >> 10) & 0x1F;
  const int m = h & 0x3FF;
  if (e == 0) return sign * std::ldexp(m, -24);
  if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  return sign * std::ldexp(1024 + m, e - 25);
}

std::vector<uint16_t> all_f16_codes() {
  std::vector<uint16_t> codes(65536);
  for (int i = 0; i < 65536; ++i) codes[i] = static_cast<uint16_t>(i);
  return codes;
}

TEST(Fp16, DecodesEveryCodeExactlyOnEveryPath) {
  IsaGuard guard;
  const auto codes = all_f16_codes();
  std::vector<float> scalar_out(codes.size());
  set_isa(Isa::scalar);
  f16_to_f32(codes.data(), scalar_out.data(), static_cast<int64_t>(codes.size()));
  for (size_t i = 0; i < codes.size(); ++i) {
    const double want = f16_value(codes[i]);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(scalar_out[i])) << std::hex << codes[i];
      ASSERT_EQ(bits(scalar_out[i]) >> 31, codes[i] >> 15u);
    } else {
      ASSERT_EQ(static_cast<double>(scalar_out[i]), want) << std::hex << codes[i];
    }
  }
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    for (int64_t n : {int64_t{7}, int64_t{1}, int64_t{33}}) {  // tails shorter than a vector
      std::vector<float> out(static_cast<size_t>(n) + 1, -1.0f);
      f16_to_f32(codes.data() + 1000, out.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(bits(out[i]), bits(scalar_out[1000 + i])) << isa_label(isa);
      ASSERT_EQ(out[n], -1.0f) << "wrote past the end, " << isa_label(isa);
    }
    std::vector<float> out(codes.size());
    f16_to_f32(codes.data(), out.data(), static_cast<int64_t>(codes.size()));
    for (size_t i = 0; i < codes.size(); ++i) ASSERT_EQ(bits(out[i]), bits(scalar_out[i])) << isa_label(isa) << std::hex << codes[i];
  }
}

// Inputs that probe rounding: every f16 value, the midpoints between neighbours (ties),
// one f32 ulp either side of them, overflow and underflow edges, random magnitudes.
std::vector<float> rounding_probes() {
  std::vector<float> v;
  for (int h = 0; h < 0x7C00; ++h) {
    const double a = f16_value(static_cast<uint16_t>(h));
    const double b = f16_value(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((a + b) / 2);
    for (float x : {static_cast<float>(a), mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  for (float x : {65504.0f, 65519.99f, 65520.0f, 1e10f, FLT_MAX, INFINITY, 1e-10f, 2.98e-8f, 2.99e-8f, 0.0f}) {
    v.push_back(x);
    v.push_back(-x);
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mant(1.0f, 2.0f);
  std::uniform_int_distribution<int> ex(-30, 18);
  for (int i = 0; i < 20000; ++i) v.push_back(std::ldexp(mant(rng), ex(rng)) * (i % 2 ? -1.0f : 1.0f));
  return v;
}

TEST(Fp16, EncodesToNearestEvenOnEveryPath) {
  IsaGuard guard;
  const auto probes = rounding_probes();
  const auto n = static_cast<int64_t>(probes.size());
  set_isa(Isa::scalar);
  std::vector<uint16_t> ref(probes.size());
  f32_to_f16(probes.data(), ref.data(), n);
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto x = static_cast<double>(probes[i]);
    const uint16_t h = ref[i];
    const double got = f16_value(h);
    if (std::fabs(x) >= 65520.0) {  // beyond the largest finite value's rounding range
      ASSERT_TRUE(std::isinf(got) && (got > 0) == (x > 0)) << x;
      continue;
    }
    ASSERT_TRUE(std::isfinite(got)) << x;
    // No other f16 is closer; on a tie the mantissa is even.
    const uint16_t mag = h & 0x7FFF;
    for (int delta : {-1, 1}) {
      const int other = mag + delta;
      if (other < 0 || other >= 0x7C00) continue;
      const double alt = f16_value(static_cast<uint16_t>((h & 0x8000) | other));
      const double d_got = std::fabs(x - got);
      const double d_alt = std::fabs(x - alt);
      ASSERT_LE(d_got, d_alt) << "x=" << x;
      if (d_got == d_alt && x != 0.0) {
        ASSERT_EQ(mag & 1, 0) << "tie not to even, x=" << x;
      }
    }
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  uint16_t h_nan = 0;
  f32_to_f16(&nan, &h_nan, 1);
  EXPECT_TRUE(std::isnan(f16_value(h_nan)));
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    std::vector<uint16_t> out(probes.size());
    f32_to_f16(probes.data(), out.data(), n);
    for (size_t i = 0; i < probes.size(); ++i) ASSERT_EQ(out[i], ref[i]) << isa_label(isa) << " x=" << probes[i];
    for (int64_t len : {1, 3, 9, 17}) {  // tails shorter than a vector
      std::vector<uint16_t> part(static_cast<size_t>(len) + 1, 0xABCD);
      f32_to_f16(probes.data() + 5, part.data(), len);
      for (int64_t i = 0; i < len; ++i) ASSERT_EQ(part[i], ref[5 + i]) << isa_label(isa);
      ASSERT_EQ(part[len], 0xABCD) << "wrote past the end, " << isa_label(isa);
    }
  }
}

TEST(Bf16, RoundTripsAndRoundsToNearestEven) {
  const auto probes = rounding_probes();
  std::vector<uint16_t> enc(probes.size());
  quantize_row(TensorType::BF16, probes.data(), enc.data(), static_cast<int64_t>(probes.size()));
  std::vector<float> dec(probes.size());
  dequantize_row(TensorType::BF16, enc.data(), dec.data(), static_cast<int64_t>(probes.size()));
  for (size_t i = 0; i < probes.size(); ++i) {
    const uint32_t want_upper = bits(dec[i]) >> 16;
    ASSERT_EQ(want_upper, enc[i]);                  // decode is the upper half
    ASSERT_EQ(bits(dec[i]) & 0xFFFF, 0u);
    const uint32_t x = bits(probes[i]);
    if (std::isinf(probes[i])) continue;
    // Truncation or truncation + 1, whichever is nearer, ties to even.
    const uint32_t lo = x >> 16;
    const uint32_t rem = x & 0xFFFF;
    const uint32_t want = rem > 0x8000 || (rem == 0x8000 && (lo & 1)) ? lo + 1 : lo;
    ASSERT_EQ(enc[i], want) << probes[i];
  }
}

// ---- Q8_0

TEST(QuantizeQ8_0, EveryValueWithinHalfAStepOfItsBlockScale) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 50; ++trial) {
    const float range = std::ldexp(1.0f, trial % 20 - 10);
    auto x = random_floats(rng, 32 * 8, -range, range);
    if (trial == 1) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
    std::vector<uint8_t> q(34 * 8);
    quantize_row(TensorType::Q8_0, x.data(), q.data(), 256);
    std::vector<float> y(256);
    dequantize_row(TensorType::Q8_0, q.data(), y.data(), 256);
    for (int b = 0; b < 8; ++b) {
      float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
      const double d = static_cast<double>(amax) / 127.0;
      // Half a step, plus the f16 rounding of d (relative 2^-11, or 2^-25 absolute where
      // d is an f16 subnormal) times at most 127 steps.
      const double d_rounding = std::max(d * std::ldexp(1.0, -11), std::ldexp(1.0, -25));
      const double budget = 0.5 * d + 127.0 * d_rounding + 1e-30;
      for (int j = 0; j < 32; ++j) {
        ASSERT_LE(std::fabs(x[b * 32 + j] - y[b * 32 + j]), budget) << "trial " << trial << " block " << b;
        const auto qs = static_cast<int8_t>(q[b * 34 + 2 + j]);
        ASSERT_GE(qs, -127);
      }
    }
  }
}

TEST(QuantizeQ8_0, HandWorkedBlock) {
  // amax = 127 gives d = 1 exactly, so the quants are the inputs rounded half away from zero.
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j * 8 - 128) + 0.5f;
  x[0] = -127.0f;
  uint8_t q[34];
  quantize_row(TensorType::Q8_0, x, q, 32);
  EXPECT_EQ(q[0] | (q[1] << 8), 0x3C00);  // f16 1.0
  for (int j = 1; j < 32; ++j) {
    const int want = static_cast<int>(j * 8 - 128) + (j * 8 - 128 >= 0 ? 1 : 0);  // x.5 away from zero
    EXPECT_EQ(static_cast<int8_t>(q[2 + j]), want) << j;
  }
  EXPECT_EQ(static_cast<int8_t>(q[2]), -127);
}

TEST(QuantizeQ8_0, ExtremeAndNonFiniteInputsStayInRange) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = (j % 2 ? 1.0f : -1.0f) * FLT_MAX / static_cast<float>(j + 1);
  uint8_t q[34];
  quantize_row(TensorType::Q8_0, x, q, 32);
  EXPECT_EQ(static_cast<int8_t>(q[2]), -127);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[4] = INFINITY;
  quantize_row(TensorType::Q8_0, x, q, 32);  // must not crash or hit undefined behaviour
  for (int j = 0; j < 32; ++j) EXPECT_GE(static_cast<int8_t>(q[2 + j]), -127);
}

// A block so small that its scale's reciprocal is infinite: the quants saturate at ±127,
// never -128 (which the maddubs kernels could not multiply correctly).
TEST(ActivationQuantizers, NeverProduceMinus128) {
  IsaGuard guard;
  float x[256];
  for (int j = 0; j < 256; ++j) x[j] = (j % 2 ? 1.0f : -1.0f) * 1e-39f * static_cast<float>(j % 7 + 1);
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    uint8_t q8[34 * 8], qk[292];
    quantize_row(TensorType::Q8_0, x, q8, 256);
    quantize_row(TensorType::Q8_K, x, qk, 256);
    for (int b = 0; b < 8; ++b) {
      for (int j = 0; j < 32; ++j) ASSERT_NE(static_cast<int8_t>(q8[34 * b + 2 + j]), -128) << isa_label(isa);
    }
    for (int j = 0; j < 256; ++j) ASSERT_NE(static_cast<int8_t>(qk[4 + j]), -128) << isa_label(isa);
  }
}

// ---- Q8_K

TEST(QuantizeQ8_K, ScaleSignQuantsAndBlockSums) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 20; ++trial) {
    auto x = random_floats(rng, 512, -3.0f, 3.0f);
    if (trial == 1) std::fill(x.begin(), x.begin() + 256, 0.0f);
    std::vector<uint8_t> q(292 * 2);
    quantize_row(TensorType::Q8_K, x.data(), q.data(), 512);
    std::vector<float> y(512);
    dequantize_row(TensorType::Q8_K, q.data(), y.data(), 512);
    for (int b = 0; b < 2; ++b) {
      const uint8_t* blk = q.data() + 292 * b;
      float d;
      std::memcpy(&d, blk, 4);
      float max = 0;
      for (int j = 0; j < 256; ++j) {
        if (std::fabs(x[b * 256 + j]) > std::fabs(max)) max = x[b * 256 + j];
      }
      if (max == 0) {
        EXPECT_EQ(d, 0.0f);
      } else {
        EXPECT_NEAR(d, -max / 127.0f, static_cast<double>(std::fabs(max)) * 1e-6);  // the largest maps to -127
      }
      for (int g = 0; g < 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += static_cast<int8_t>(blk[4 + 16 * g + j]);
        int16_t bsum;
        std::memcpy(&bsum, blk + 260 + 2 * g, 2);
        ASSERT_EQ(bsum, sum);
      }
      for (int j = 0; j < 256; ++j) ASSERT_LE(std::fabs(x[b * 256 + j] - y[b * 256 + j]), static_cast<double>(std::fabs(d)) * 0.5001 + 1e-30);
    }
  }
}

// ---- Q6_K (bit-exactness with llama.cpp is checked on the fixture models)

TEST(QuantizeQ6_K, ErrorIsWithinSixBitResolution) {
  std::mt19937 rng(3);
  auto x = random_floats(rng, 256 * 16, -1.0f, 1.0f);
  std::fill(x.begin(), x.begin() + 256, 0.0f);              // all-zero super-block
  for (int j = 256; j < 512; ++j) x[j] *= 1e-2f;            // small values (d near f16's subnormals)
  for (int j = 512; j < 768; ++j) x[j] = -std::fabs(x[j]);  // one sign only
  std::vector<uint8_t> q(210 * 16);
  quantize_row(TensorType::Q6_K, x.data(), q.data(), 256 * 16);
  std::vector<float> y(x.size());
  dequantize_row(TensorType::Q6_K, q.data(), y.data(), 256 * 16);
  for (int j = 0; j < 256; ++j) ASSERT_EQ(y[j], 0.0f);
  for (int b = 1; b < 16; ++b) {
    double err2 = 0, amax = 0;
    for (int j = 0; j < 256; ++j) {
      err2 += std::pow(x[b * 256 + j] - y[b * 256 + j], 2);
      amax = std::max(amax, static_cast<double>(std::fabs(x[b * 256 + j])));
    }
    // A 6-bit grid over [-amax, amax] has step amax/32: uniform rounding error step/sqrt(12).
    EXPECT_LE(std::sqrt(err2 / 256), amax / 32 / std::sqrt(12.0) * 1.25) << "super-block " << b;
  }
}

// ---- activation quantizers: every path gives the reference's bytes

TEST(ActivationQuantizers, SimdPathsMatchTheReferenceBitForBit) {
  IsaGuard guard;
  std::mt19937 rng(4);
  auto x = random_floats(rng, 256 * 12, -4.0f, 4.0f);
  // Super-block 0: scale 1 for both formats (a 127 / -127 first), the rest k + 0.5: every
  // element is a rounding tie (Q8_0 rounds it away from zero, Q8_K to even).
  for (int j = 0; j < 256; ++j) x[j] = static_cast<float>(j % 200 - 100) + 0.5f;
  for (int j = 0; j < 256; j += 32) x[j] = -127.0f;
  std::fill(x.begin() + 256, x.begin() + 512, 0.0f);  // all zeros
  // Super-block 2: non-finite and extreme values, signed zeros.
  x[512] = std::numeric_limits<float>::quiet_NaN();
  x[513] = INFINITY;
  x[545] = -INFINITY;
  x[577] = -0.0f;
  x[600] = FLT_MAX;
  x[640] = -FLT_MAX;
  x[700] = 1e-40f;  // subnormal
  for (TensorType t : {TensorType::Q8_0, TensorType::Q8_K}) {
    const auto bytes = *row_bytes(t, x.size());
    set_isa(Isa::scalar);
    std::vector<uint8_t> ref(bytes);
    quantize_row(t, x.data(), ref.data(), static_cast<int64_t>(x.size()));
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      std::vector<uint8_t> got(bytes);
      quantize_row(t, x.data(), got.data(), static_cast<int64_t>(x.size()));
      size_t first = got.size();
      for (size_t i = 0; i < got.size() && first == got.size(); ++i) {
        if (got[i] != ref[i]) first = i;
      }
      EXPECT_EQ(first, got.size()) << tensor_type_name(t) << " " << isa_label(isa) << ": first differing byte "
                                   << first << " (got " << int(got[first % got.size()]) << ", want "
                                   << int(ref[first % got.size()]) << ")";
    }
  }
}

}  // namespace
}  // namespace nanollama::kernels::testing
