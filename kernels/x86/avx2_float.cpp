// SPDX-License-Identifier: Apache-2.0
// Float kernels for the AVX2 + FMA + F16C path (compiled with -mavx2 -mfma -mf16c).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/simd/float_hooks.h"
#include "kernels/simd/stream_prefetch.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

struct Avx2FloatHooks {
  using Arch = xsimd::fma3<xsimd::avx2>;
  using F = xsimd::batch<float, Arch>;
  using D = xsimd::batch<double, Arch>;
  static constexpr int64_t kLanes = 8;
  // 3 x 4 = 12 accumulators + 3 weight vectors + 1 activation vector = the 16 ymm registers.
  static constexpr int kTileR = 3;
  static constexpr int kTileC = 4;

  static F load_f16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static void store_f16(uint16_t* p, F v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static F load_bf16(const uint16_t* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static void widen(F v, D& lo, D& hi) {
    lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  }
  static F dup_pairs(const float* c) {
    const __m256 four = _mm256_castps128_ps256(_mm_loadu_ps(c));
    return _mm256_permutevar8x32_ps(four, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
  }
  static F swap_pairs(F v) { return _mm256_permute_ps(v, 0xB1); }
  static F round_even(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // Eight integral floats in [-128, 127] to int8.
  static void store_i8(int8_t* dst, F q) {
    const __m256i i32 = _mm256_cvttps_epi32(q);
    const __m128i i16 = _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packs_epi16(i16, i16));
  }

  static uint16_t f16_of(float v) { return _cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // vmaxps: its second operand when either is NaN.
  static F max_or_second(F a, F b) { return xsimd::max(a, b); }
};

#include "kernels/simd/float_kernels.inl"

}  // namespace

void fill_avx2_float(KernelTable& table) { fill_float_kernels<Avx2FloatHooks>(table); }

}  // namespace nanollama::kernels
