// SPDX-License-Identifier: Apache-2.0
// Eight vectors of eight int32 lanes to one: lane j of the result is the sum of all lanes of
// p[j]. Integer sums are exact, so the order of the adds does not matter for the result.
// Included INSIDE the anonymous namespace of AVX2 and AVX-512 translation units.
[[gnu::always_inline]] inline __m256i sum_lanes_8x8(const __m256i p[8]) {
  const __m256i s01 = _mm256_hadd_epi32(p[0], p[1]);  // per 128-bit half: pair sums of p0, p1
  const __m256i s23 = _mm256_hadd_epi32(p[2], p[3]);
  const __m256i s45 = _mm256_hadd_epi32(p[4], p[5]);
  const __m256i s67 = _mm256_hadd_epi32(p[6], p[7]);
  const __m256i t0 = _mm256_hadd_epi32(s01, s23);  // [p0..p3 lanes 0-3 | p0..p3 lanes 4-7]
  const __m256i t1 = _mm256_hadd_epi32(s45, s67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(t0, t1, 0x20), _mm256_permute2x128_si256(t0, t1, 0x31));
}
