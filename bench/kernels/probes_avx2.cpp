// AVX2 peak probes: independent dependency chains held in registers, enough of them to
// cover the latency of two pipes (FMA latency 4 on Zen 4: 2 x 4 = 8 chains; we use 10).
#include <immintrin.h>

#include "probes.h"

namespace nanollama::bench {

double fma_peak_avx2(int64_t iterations) {
  // Named variables, not an array: each chain must live in its own register.
  __m256 a0 = _mm256_set1_ps(0.0f);
  __m256 a1 = _mm256_set1_ps(1.0f);
  __m256 a2 = _mm256_set1_ps(2.0f);
  __m256 a3 = _mm256_set1_ps(3.0f);
  __m256 a4 = _mm256_set1_ps(4.0f);
  __m256 a5 = _mm256_set1_ps(5.0f);
  __m256 a6 = _mm256_set1_ps(6.0f);
  __m256 a7 = _mm256_set1_ps(7.0f);
  __m256 a8 = _mm256_set1_ps(8.0f);
  __m256 a9 = _mm256_set1_ps(9.0f);
  const __m256 a = _mm256_set1_ps(0.999999f), bb = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    a0 = _mm256_fmadd_ps(a0, a, bb);
    a1 = _mm256_fmadd_ps(a1, a, bb);
    a2 = _mm256_fmadd_ps(a2, a, bb);
    a3 = _mm256_fmadd_ps(a3, a, bb);
    a4 = _mm256_fmadd_ps(a4, a, bb);
    a5 = _mm256_fmadd_ps(a5, a, bb);
    a6 = _mm256_fmadd_ps(a6, a, bb);
    a7 = _mm256_fmadd_ps(a7, a, bb);
    a8 = _mm256_fmadd_ps(a8, a, bb);
    a9 = _mm256_fmadd_ps(a9, a, bb);
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9));
  }
  __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(_mm256_add_ps(a6, a7), _mm256_add_ps(a8, a9))));
  __asm__ volatile("" ::"x"(sum));
  return static_cast<double>(iterations) * 10 * 8 * 2;
}

// The int8 dot the AVX2 Q8_0 kernel is built on: maddubs (32 byte products summed in
// pairs) + madd with ones + add, per 32 multiply-accumulates.
double int8_peak_avx2(int64_t iterations) {
  __m256i a0 = _mm256_set1_epi32(0);
  __m256i a1 = _mm256_set1_epi32(1);
  __m256i a2 = _mm256_set1_epi32(2);
  __m256i a3 = _mm256_set1_epi32(3);
  __m256i a4 = _mm256_set1_epi32(4);
  __m256i a5 = _mm256_set1_epi32(5);
  __m256i a6 = _mm256_set1_epi32(6);
  __m256i a7 = _mm256_set1_epi32(7);
  __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-2);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < iterations; ++it) {
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a6 = _mm256_add_epi32(a6, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    a7 = _mm256_add_epi32(a7, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(u), "+x"(s));  // opaque inputs: no hoisting
  }
  __m256i sum = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                                 _mm256_add_epi32(_mm256_add_epi32(a4, a5), _mm256_add_epi32(a6, a7)));
  __asm__ volatile("" ::"x"(sum));
  return static_cast<double>(iterations) * 8 * 32 * 2;
}

}  // namespace nanollama::bench
