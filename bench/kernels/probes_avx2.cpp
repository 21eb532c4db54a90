// SPDX-License-Identifier: Apache-2.0
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
// pairs) + madd with ones + add, per 32 multiply-accumulates. Each chain has its own
// unsigned operand: with one shared operand the compiler computed the maddubs and madd once
// per iteration for all chains, and the probe reported a peak the hardware does not have.
double int8_peak_avx2(int64_t iterations) {
  __m256i a0 = _mm256_set1_epi32(0);
  __m256i a1 = _mm256_set1_epi32(1);
  __m256i a2 = _mm256_set1_epi32(2);
  __m256i a3 = _mm256_set1_epi32(3);
  __m256i a4 = _mm256_set1_epi32(4);
  __m256i a5 = _mm256_set1_epi32(5);
  __m256i u0 = _mm256_set1_epi8(3), u1 = _mm256_set1_epi8(4), u2 = _mm256_set1_epi8(5);
  __m256i u3 = _mm256_set1_epi8(6), u4 = _mm256_set1_epi8(7), u5 = _mm256_set1_epi8(8);
  __m256i s = _mm256_set1_epi8(-2);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < iterations; ++it) {
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_maddubs_epi16(u0, s), ones));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(u1, s), ones));
    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_maddubs_epi16(u2, s), ones));
    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_maddubs_epi16(u3, s), ones));
    a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(_mm256_maddubs_epi16(u4, s), ones));
    a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(_mm256_maddubs_epi16(u5, s), ones));
    // Opaque inputs and accumulators: nothing can be hoisted or shared between chains.
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(u0), "+x"(u1), "+x"(u2),
                     "+x"(u3), "+x"(u4), "+x"(u5), "+x"(s));
  }
  __m256i sum = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                                 _mm256_add_epi32(a4, a5));
  __asm__ volatile("" ::"x"(sum));
  return static_cast<double>(iterations) * 6 * 32 * 2;
}

}  // namespace nanollama::bench
