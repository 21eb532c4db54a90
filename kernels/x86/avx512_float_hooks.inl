// SPDX-License-Identifier: Apache-2.0
// The AVX-512 float hook type (FloatHooks, kernels/simd/float_hooks.h). Included INSIDE the
// anonymous namespace of avx512_float.cpp and avx512bf16_float.cpp (both compiled with the
// AVX-512 flags), so each has its own copy with internal linkage.

struct Avx512FloatHooks {
  using Arch = xsimd::avx512bw;
  using F = xsimd::batch<float, Arch>;
  using D = xsimd::batch<double, Arch>;
  static constexpr int64_t kLanes = 16;
  // 4 x 6 = 24 accumulators + 4 weight vectors + 1 activation vector of the 32 zmm registers.
  static constexpr int kTileR = 4;
  static constexpr int kTileC = 6;

  static F load_f16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static void store_f16(uint16_t* p, F v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static F load_bf16(const uint16_t* p) {
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  }
  static void widen(F v, D& lo, D& hi) {
    lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static F dup_pairs(const float* c) {
    const __m512 eight = _mm512_castps256_ps512(_mm256_loadu_ps(c));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), eight);
  }
  static F swap_pairs(F v) { return _mm512_permute_ps(v, 0xB1); }
  static F round_even(F v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // Sixteen integral floats in [-128, 127] to int8.
  static void store_i8(int8_t* dst, F q) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtsepi32_epi8(_mm512_cvttps_epi32(q)));
  }

  static uint16_t f16_of(float v) { return _cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // vmaxps: its second operand when either is NaN.
  static F max_or_second(F a, F b) { return xsimd::max(a, b); }
};
