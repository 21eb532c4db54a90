// SPDX-License-Identifier: Apache-2.0
// Integer hooks (kernels/simd/quant_hooks.h) that the AVX2 and AVX-512 paths share, as a
// base of their hook types. Included INSIDE the anonymous namespace of avx2_quant.cpp,
// avx512_quant.cpp and avx512vnni_quant.cpp (each compiles it with its own flags).

struct X86SharedQuantHooks {
  // Eight vectors of eight int32 lanes to one: lane j of the result is the sum of all lanes of
  // p[j]. Integer sums are exact, so the order of the adds does not matter for the result.
  [[gnu::always_inline]] static inline __m256i sum_lanes_8x8(const __m256i p[8]) {
    const __m256i s01 = _mm256_hadd_epi32(p[0], p[1]);  // per 128-bit half: pair sums of p0, p1
    const __m256i s23 = _mm256_hadd_epi32(p[2], p[3]);
    const __m256i s45 = _mm256_hadd_epi32(p[4], p[5]);
    const __m256i s67 = _mm256_hadd_epi32(p[6], p[7]);
    const __m256i t0 = _mm256_hadd_epi32(s01, s23);  // [p0..p3 lanes 0-3 | p0..p3 lanes 4-7]
    const __m256i t1 = _mm256_hadd_epi32(s45, s67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(t0, t1, 0x20), _mm256_permute2x128_si256(t0, t1, 0x31));
  }

  // Integer lane sums: exact, so their order does not matter.
  static int32_t i_hsum8(__m256i v) {
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
    return _mm_cvtsi128_si32(t);
  }

  // Fetches the cache line at p into L2 (the prefill tiles' share of the next weight tile).
  static inline void prefetch_l2(const uint8_t* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1); }

  // Q6_K on rows: an activation super-block's 16 group sums (bsums), loaded once for every
  // weight row, and Σ_g scale_g · bsum_g against a decoded row's int16 group scales (exact).
  using Q6Bsums = __m256i;
  static inline Q6Bsums q6_bsums(const BlockQ8_K& x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.bsums)); }
  static inline int32_t q6_scaled_bsums(__m256i scales16, Q6Bsums bsums) { return i_hsum8(_mm256_madd_epi16(scales16, bsums)); }
};
