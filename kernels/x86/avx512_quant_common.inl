// SPDX-License-Identifier: Apache-2.0
// The 512-bit integer hooks (kernels/simd/quant_hooks.h) that avx512_quant.cpp and
// avx512vnni_quant.cpp share, as the base of their hook types (included INSIDE their
// anonymous namespaces). Only the int8 dot products (q8v_*, q8p_*, q6_acc, q6p_dot) and the
// tile shapes differ between the two paths.

#include "kernels/x86/shared_hooks.inl"

struct Avx512QuantHooksBase : X86SharedQuantHooks {
  using IV = __m512i;
  using FV = __m512;

  static FV f_zero() { return _mm512_setzero_ps(); }
  static FV f_cvt(IV v) { return _mm512_cvtepi32_ps(v); }
  static FV f_mul(FV a, FV b) { return _mm512_mul_ps(a, b); }
  static FV f_fma(FV a, FV b, FV c) { return _mm512_fmadd_ps(a, b, c); }
  static FV f_set1(float v) { return _mm512_set1_ps(v); }
  static IV i_zero() { return _mm512_setzero_si512(); }
  static IV i_set1(int32_t v) { return _mm512_set1_epi32(v); }
  // The 16x16 floats m[0..16) transposed in place: pairs interleaved, then quads within
  // 128-bit lanes, then the 128-bit lanes gathered in two rounds of shuffle_f32x4.
  [[gnu::always_inline]] static inline void f_transpose(FV m[16]) {
    FV t[16], u[16];
    for (int j = 0; j < 16; j += 2) {
      t[j] = _mm512_unpacklo_ps(m[j], m[j + 1]);
      t[j + 1] = _mm512_unpackhi_ps(m[j], m[j + 1]);
    }
    for (int h = 0; h < 16; h += 4) {  // u[h + k], 128-bit lane q: element 4q + k of rows h..h+3
      u[h] = _mm512_shuffle_ps(t[h], t[h + 2], 0x44);
      u[h + 1] = _mm512_shuffle_ps(t[h], t[h + 2], 0xEE);
      u[h + 2] = _mm512_shuffle_ps(t[h + 1], t[h + 3], 0x44);
      u[h + 3] = _mm512_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
    }
    for (int k = 0; k < 4; ++k) {
      // lanes 0 and 2 (even) or 1 and 3 (odd) of rows 0-3 and 4-7, then of rows 8-11 and 12-15
      const FV even_lo = _mm512_shuffle_f32x4(u[k], u[k + 4], 0x88), odd_lo = _mm512_shuffle_f32x4(u[k], u[k + 4], 0xDD);
      const FV even_hi = _mm512_shuffle_f32x4(u[k + 8], u[k + 12], 0x88), odd_hi = _mm512_shuffle_f32x4(u[k + 8], u[k + 12], 0xDD);
      m[k] = _mm512_shuffle_f32x4(even_lo, even_hi, 0x88);
      m[k + 8] = _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD);
      m[k + 4] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88);
      m[k + 12] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD);
    }
  }

  static IV i_load(const void* p) { return _mm512_load_si512(p); }
  static IV i_add(IV a, IV b) { return _mm512_add_epi32(a, b); }
  // Integer lane sums: exact, so their order does not matter.
  static int32_t i_hsum(IV v) { return _mm512_reduce_add_epi32(v); }
  static IV i_mullo(IV a, IV b) { return _mm512_mullo_epi32(a, b); }

  // ---- Q6_K panels (blocks.h): a group's L0, L1 and H vectors to its four dword vectors of
  // unsigned 6-bit quants; a group's 16 rows' int8 scales as int32 lanes.
  [[gnu::always_inline]] static inline void q6p_unpack(const uint8_t* l0, IV v[4]) {
    const IV m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const IV a = _mm512_load_si512(l0), b = _mm512_load_si512(l0 + 64), h = _mm512_load_si512(l0 + 128);
    v[0] = _mm512_or_si512(_mm512_and_si512(a, m4), _mm512_and_si512(_mm512_slli_epi16(h, 4), m30));
    v[1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(a, 4), m4), _mm512_and_si512(_mm512_slli_epi16(h, 2), m30));
    v[2] = _mm512_or_si512(_mm512_and_si512(b, m4), _mm512_and_si512(h, m30));
    v[3] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(b, 4), m4), _mm512_and_si512(_mm512_srli_epi16(h, 2), m30));
  }
  static IV q6p_group_scales(const uint8_t* p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  // Tile shapes both 512-bit paths use (the Q8_0 panel tiles' activation rows differ).
  static constexpr int kQ8PanelP = 2;
  static constexpr int kQ6TileR = 2;
  static constexpr int kQ6TileC = 4;
  static constexpr int kQ6MatvecR = 1;
  static constexpr int kQ6PanelC = 6;
  static constexpr int kQ6PanelFewC = 8;
  static void i_store(void* p, IV v) { _mm512_store_si512(p, v); }
  static void f_store(float* p, FV v) { _mm512_storeu_ps(p, v); }

  // ---- Q8_0: two blocks (64 quants) per step; their quants are 34 bytes apart.
  static constexpr int kQ8Step = 2;
  static __m256i q8_qs256(const BlockQ8_0* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs)); }
  static IV q8_qs(const BlockQ8_0* b) { return _mm512_inserti64x4(_mm512_castsi256_si512(q8_qs256(b)), q8_qs256(b + 1), 1); }
  static IV q8_qs_one(const BlockQ8_0* b) { return _mm512_zextsi256_si512(q8_qs256(b)); }
  // Eight steps of q8v_dot lanes (blocks 2s and 2s+1 in the two halves of step s) to one lane
  // per block, blocks in order.
  [[gnu::always_inline]] static inline IV q8v_block_sums(const IV part[8]) {
    __m256i even[8], odd[8];
    for (int s = 0; s < 4; ++s) {
      even[2 * s] = _mm512_castsi512_si256(part[s]);
      even[2 * s + 1] = _mm512_extracti64x4_epi64(part[s], 1);
      odd[2 * s] = _mm512_castsi512_si256(part[s + 4]);
      odd[2 * s + 1] = _mm512_extracti64x4_epi64(part[s + 4], 1);
    }
    return _mm512_inserti64x4(_mm512_castsi256_si512(sum_lanes_8x8(even)), sum_lanes_8x8(odd), 1);
  }
  // Block b of 16 weight rows (row r's at first + r * stride), transposed: vector k holds
  // bytes 4k..4k+3 of row r's quants in int32 lane r. Rows r and r + 8 share a register (two
  // 256-bit halves), so one 8x8 dword transpose per half (unpacks) and a qword permute that
  // joins the halves' 128-bit lanes do it in registers.
  [[gnu::always_inline]] static inline void q8_transpose_rows(const uint8_t* first, size_t stride, IV out[8]) {
    const auto row = [&](int r) { return reinterpret_cast<const BlockQ8_0*>(first + static_cast<size_t>(r) * stride); };
    IV z[8], t[8], u[8];
    #pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) z[j] = _mm512_inserti64x4(_mm512_castsi256_si512(q8_qs256(row(j))), q8_qs256(row(j + 8)), 1);
    #pragma GCC unroll 8
    for (int j = 0; j < 8; j += 2) {
      t[j] = _mm512_unpacklo_epi32(z[j], z[j + 1]);
      t[j + 1] = _mm512_unpackhi_epi32(z[j], z[j + 1]);
    }
    #pragma GCC unroll 8
    for (int h = 0; h < 8; h += 4) {  // u[h + k], per 128-bit lane: dword k (or k + 4) of 4 rows
      u[h] = _mm512_unpacklo_epi64(t[h], t[h + 2]);
      u[h + 1] = _mm512_unpackhi_epi64(t[h], t[h + 2]);
      u[h + 2] = _mm512_unpacklo_epi64(t[h + 1], t[h + 3]);
      u[h + 3] = _mm512_unpackhi_epi64(t[h + 1], t[h + 3]);
    }
    const IV low = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), high = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    #pragma GCC unroll 8
    for (int k = 0; k < 4; ++k) {
      out[k] = _mm512_permutex2var_epi64(u[k], low, u[k + 4]);
      out[k + 4] = _mm512_permutex2var_epi64(u[k], high, u[k + 4]);
    }
  }
  // The f16 scales of block b in 16 rows (row r's at first + r * stride), in row order: one
  // gather of the strided scale fields.
  static void q8_row_scales(const uint8_t* first, size_t stride, uint16_t* out) {
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(static_cast<int>(stride)));
    const __m512i words = _mm512_i32gather_epi32(offsets, first, 1);  // d and the first two quants
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_cvtepi32_epi16(words));
  }
  // A block's f16 scales of 16 panel rows, as floats.
  static FV q8p_scales(const uint16_t* d) { return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(d))); }
  // The f16 scales of `count` consecutive blocks as one lane each (zeros past count): one
  // gather of the 34-byte-strided scale fields when the group is whole.
  static FV q8_block_scales(const BlockQ8_0* b, int64_t count) {
    if (count == 16) {
      const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                 _mm512_set1_epi32(static_cast<int>(sizeof(BlockQ8_0))));
      const __m512i words = _mm512_i32gather_epi32(offsets, b, 1);  // d and the first two quants
      return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words));
    }
    alignas(64) float d[16] = {};
    for (int64_t j = 0; j < count; ++j) d[j] = _cvtsh_ss(b[j].d);
    return _mm512_load_ps(d);
  }

  // ---- Q6_K: four chunks of 64 quants per super-block. ql[64h .. 64h+63] holds the low
  // nibbles of quarters 0 and 1 (low nibble) and 2 and 3 (high nibble) of half h; pairing qh
  // with qh >> 2 in the two 256-bit halves lines the high bits up with them.
  static constexpr int kQ6Chunks = 4;
  struct Q6Row {
    IV u[kQ6Chunks];
    IV sc[kQ6Chunks];
    __m256i scales16;
    float d;
  };
  alignas(64) static constexpr int16_t kQ6ScaleIndex[kQ6Chunks][32] = {
      {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
      {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
      {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
      {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13,
       14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
  };
  // Always inlined: as a call it went through the stack, behind a vzeroupper, per super-block.
  [[gnu::always_inline]] static inline void q6_decode(const BlockQ6_K& b, Q6Row& o) {
    const IV m4 = _mm512_set1_epi8(0x0F);
    const IV m30 = _mm512_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
      const IV ql = _mm512_loadu_si512(b.ql + 64 * h);
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
      const IV hz = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
      o.u[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_and_si512(_mm512_slli_epi16(hz, 4), m30));
      o.u[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4), _mm512_and_si512(hz, m30));
    }
    o.scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
    const IV s512 = _mm512_castsi256_si512(o.scales16);
    for (int ch = 0; ch < kQ6Chunks; ++ch) o.sc[ch] = _mm512_permutexvar_epi16(_mm512_load_si512(kQ6ScaleIndex[ch]), s512);
    o.d = _cvtsh_ss(b.d);
  }
  static IV q6_x(const BlockQ8_K& x, int ch) { return _mm512_loadu_si512(x.qs + 64 * ch); }
};

