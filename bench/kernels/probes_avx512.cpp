// SPDX-License-Identifier: Apache-2.0
// AVX-512 peak probes (512-bit FMA; VNNI vpdpbusd: 64 multiply-accumulates per instruction).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "probes.h"

namespace nanollama::bench {

double fma_peak_avx512(int64_t iterations) {
  __m512 a0 = _mm512_set1_ps(0.0f);
  __m512 a1 = _mm512_set1_ps(1.0f);
  __m512 a2 = _mm512_set1_ps(2.0f);
  __m512 a3 = _mm512_set1_ps(3.0f);
  __m512 a4 = _mm512_set1_ps(4.0f);
  __m512 a5 = _mm512_set1_ps(5.0f);
  __m512 a6 = _mm512_set1_ps(6.0f);
  __m512 a7 = _mm512_set1_ps(7.0f);
  __m512 a8 = _mm512_set1_ps(8.0f);
  __m512 a9 = _mm512_set1_ps(9.0f);
  __m512 a10 = _mm512_set1_ps(10.0f);
  __m512 a11 = _mm512_set1_ps(11.0f);
  const __m512 a = _mm512_set1_ps(0.999999f), bb = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    a0 = _mm512_fmadd_ps(a0, a, bb);
    a1 = _mm512_fmadd_ps(a1, a, bb);
    a2 = _mm512_fmadd_ps(a2, a, bb);
    a3 = _mm512_fmadd_ps(a3, a, bb);
    a4 = _mm512_fmadd_ps(a4, a, bb);
    a5 = _mm512_fmadd_ps(a5, a, bb);
    a6 = _mm512_fmadd_ps(a6, a, bb);
    a7 = _mm512_fmadd_ps(a7, a, bb);
    a8 = _mm512_fmadd_ps(a8, a, bb);
    a9 = _mm512_fmadd_ps(a9, a, bb);
    a10 = _mm512_fmadd_ps(a10, a, bb);
    a11 = _mm512_fmadd_ps(a11, a, bb);
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  __asm__ volatile("" ::"v"(sum));
  return static_cast<double>(iterations) * 12 * 16 * 2;
}

double int8_peak_avx512vnni(int64_t iterations) {
  __m512i a0 = _mm512_set1_epi32(0);
  __m512i a1 = _mm512_set1_epi32(1);
  __m512i a2 = _mm512_set1_epi32(2);
  __m512i a3 = _mm512_set1_epi32(3);
  __m512i a4 = _mm512_set1_epi32(4);
  __m512i a5 = _mm512_set1_epi32(5);
  __m512i a6 = _mm512_set1_epi32(6);
  __m512i a7 = _mm512_set1_epi32(7);
  __m512i a8 = _mm512_set1_epi32(8);
  __m512i a9 = _mm512_set1_epi32(9);
  __m512i a10 = _mm512_set1_epi32(10);
  __m512i a11 = _mm512_set1_epi32(11);
  const __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2);
  for (int64_t it = 0; it < iterations; ++it) {
    a0 = _mm512_dpbusd_epi32(a0, u, s);
    a1 = _mm512_dpbusd_epi32(a1, u, s);
    a2 = _mm512_dpbusd_epi32(a2, u, s);
    a3 = _mm512_dpbusd_epi32(a3, u, s);
    a4 = _mm512_dpbusd_epi32(a4, u, s);
    a5 = _mm512_dpbusd_epi32(a5, u, s);
    a6 = _mm512_dpbusd_epi32(a6, u, s);
    a7 = _mm512_dpbusd_epi32(a7, u, s);
    a8 = _mm512_dpbusd_epi32(a8, u, s);
    a9 = _mm512_dpbusd_epi32(a9, u, s);
    a10 = _mm512_dpbusd_epi32(a10, u, s);
    a11 = _mm512_dpbusd_epi32(a11, u, s);
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512i sum = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)),
                                 _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7)));
  sum = _mm512_add_epi32(sum, _mm512_add_epi32(_mm512_add_epi32(a8, a9), _mm512_add_epi32(a10, a11)));
  __asm__ volatile("" ::"v"(sum));
  return static_cast<double>(iterations) * 12 * 64 * 2;
}

}  // namespace nanollama::bench
