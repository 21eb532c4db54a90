// SPDX-License-Identifier: Apache-2.0
// Integer kernels for the AVX2 path. Without VNNI the int8 dot is maddubs (unsigned x
// signed bytes -> int16 pairs) then madd with ones (-> int32). maddubs needs one unsigned
// operand, so it takes |w| and x with w's sign applied; |w| <= 128 and |x| <= 127 (our
// activation quantizers never produce -128) keep the int16 pair sums below 2^15.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/simd/quant_hooks.h"
#include "kernels/simd/stream_prefetch.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

#include "kernels/x86/shared_hooks.inl"

struct Avx2QuantHooks : X86SharedQuantHooks {
  using IV = __m256i;
  using FV = __m256;

  static FV f_zero() { return _mm256_setzero_ps(); }
  static FV f_cvt(IV v) { return _mm256_cvtepi32_ps(v); }
  static FV f_mul(FV a, FV b) { return _mm256_mul_ps(a, b); }
  static FV f_fma(FV a, FV b, FV c) { return _mm256_fmadd_ps(a, b, c); }
  static FV f_set1(float v) { return _mm256_set1_ps(v); }
  static IV i_zero() { return _mm256_setzero_si256(); }
  static IV i_set1(int32_t v) { return _mm256_set1_epi32(v); }
  // The 8x8 floats m[0..8) transposed in place: pairs interleaved, then quads, then the
  // 128-bit halves exchanged.
  [[gnu::always_inline]] static inline void f_transpose(FV m[8]) {
    FV t[8], u[8];
    for (int j = 0; j < 8; j += 2) {
      t[j] = _mm256_unpacklo_ps(m[j], m[j + 1]);
      t[j + 1] = _mm256_unpackhi_ps(m[j], m[j + 1]);
    }
    for (int h = 0; h < 8; h += 4) {  // u[h + k], per 128-bit half: element k (or k + 4) of rows h..h+3
      u[h] = _mm256_shuffle_ps(t[h], t[h + 2], 0x44);
      u[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], 0xEE);
      u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0x44);
      u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
    }
    for (int k = 0; k < 4; ++k) {
      m[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
      m[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
  }

  static IV i_load(const void* p) { return _mm256_load_si256(static_cast<const IV*>(p)); }
  static void i_store(void* p, IV v) { _mm256_store_si256(static_cast<IV*>(p), v); }
  static void f_store(float* p, FV v) { _mm256_storeu_ps(p, v); }

  // ---- Q8_0: one 32-byte block per step
  static constexpr int kQ8Step = 1;
  static constexpr int kQ8PanelP = 1;
  static constexpr int kQ8PanelC = 4;
  static IV q8_qs(const BlockQ8_0* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs)); }
  static IV q8_qs_one(const BlockQ8_0* b) { return q8_qs(b); }
  struct Q8W {
    IV abs_w;
    IV w;
  };
  static Q8W q8_prep_w(IV w) { return {_mm256_sign_epi8(w, w), w}; }
  static IV q8_pair(const Q8W& w, IV x) {
    const IV pairs = _mm256_maddubs_epi16(w.abs_w, _mm256_sign_epi8(x, w.w));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
  }
  static IV q8v_prep_x(IV x) { return x; }
  static IV q8v_init(IV) { return _mm256_setzero_si256(); }
  static IV q8v_dot(IV, IV w, IV x) { return q8_pair(q8_prep_w(w), x); }
  // Eight steps (one block each) of q8v_dot lanes to one lane per block.
  [[gnu::always_inline]] static inline IV q8v_block_sums(const IV part[8]) { return sum_lanes_8x8(part); }
  // The f16 scales of block b in 8 rows (row r's at first + r * stride), in row order.
  static void q8_row_scales(const uint8_t* first, size_t stride, uint16_t* out) {
    for (int r = 0; r < 8; ++r) out[r] = reinterpret_cast<const BlockQ8_0*>(first + static_cast<size_t>(r) * stride)->d;
  }
  // A block's f16 scales of 8 panel rows, as floats.
  static FV q8p_scales(const uint16_t* d) { return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d))); }
  // The f16 scales of `count` consecutive blocks as one lane each (zeros past count): one
  // gather of the 34-byte-strided scale fields when the group is whole (the scalar loop cost
  // the rows decode 30 % from cache on Zen 5).
  static FV q8_block_scales(const BlockQ8_0* b, int64_t count) {
    if (count == 8) {
      const __m256i offsets = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                 _mm256_set1_epi32(static_cast<int>(sizeof(BlockQ8_0))));
      const __m256i words = _mm256_i32gather_epi32(reinterpret_cast<const int*>(b), offsets, 1);  // d, two quants
      // The low 16 bits of each dword into the low 8 bytes of each 128-bit half, then the halves joined.
      const __m256i low = _mm256_shuffle_epi8(words, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1,
                                                                      0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1));
      return _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(low, 0x08)));
    }
    alignas(32) float d[8] = {};
    for (int64_t j = 0; j < count; ++j) d[j] = _cvtsh_ss(b[j].d);
    return _mm256_load_ps(d);
  }
  // Block b of 8 weight rows (row r's at first + r * stride), transposed: vector k holds bytes
  // 4k..4k+3 of row r's quants in int32 lane r (an 8x8 dword transpose: unpacks, then the
  // 128-bit halves joined).
  [[gnu::always_inline]] static inline void q8_transpose_rows(const uint8_t* first, size_t stride, IV out[8]) {
    IV z[8], t[8], u[8];
    #pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) z[j] = q8_qs(reinterpret_cast<const BlockQ8_0*>(first + static_cast<size_t>(j) * stride));
    #pragma GCC unroll 8
    for (int j = 0; j < 8; j += 2) {
      t[j] = _mm256_unpacklo_epi32(z[j], z[j + 1]);
      t[j + 1] = _mm256_unpackhi_epi32(z[j], z[j + 1]);
    }
    #pragma GCC unroll 8
    for (int h = 0; h < 8; h += 4) {  // u[h + k], per 128-bit half: dword k (or k + 4) of 4 rows
      u[h] = _mm256_unpacklo_epi64(t[h], t[h + 2]);
      u[h + 1] = _mm256_unpackhi_epi64(t[h], t[h + 2]);
      u[h + 2] = _mm256_unpacklo_epi64(t[h + 1], t[h + 3]);
      u[h + 3] = _mm256_unpackhi_epi64(t[h + 1], t[h + 3]);
    }
    #pragma GCC unroll 8
    for (int k = 0; k < 4; ++k) {
      out[k] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x20);
      out[k + 4] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x31);
    }
  }
  // Panel kernel: |w| per loaded weight vector, x takes w's sign per product.
  using Q8PW = Q8W;
  static Q8PW q8p_load_w(IV w) { return q8_prep_w(w); }
  static IV q8p_acc(IV acc, const Q8PW& w, int32_t x4) { return _mm256_add_epi32(acc, q8_pair(w, _mm256_set1_epi32(x4))); }
  static int32_t q8p_init_for(const int8_t*) { return 0; }

  // ---- Q6_K: eight chunks of 32 quants per super-block
  static constexpr int kQ6Chunks = 8;
  static constexpr int kQ6TileR = 2;
  static constexpr int kQ6TileC = 4;
  static constexpr int kQ6MatvecR = 1;
  struct Q6Row {
    IV u[kQ6Chunks];   // quants + 32, as bytes 0..63
    IV sc[kQ6Chunks];  // each int16 pair-sum lane's group scale
    __m256i scales16;  // the 16 group scales as int16
    float d;
  };
  // Always inlined: as a call it went through the stack, behind a vzeroupper, per super-block.
  [[gnu::always_inline]] static inline void q6_decode(const BlockQ6_K& b, Q6Row& o) {
    const IV m4 = _mm256_set1_epi8(0x0F);
    const IV m30 = _mm256_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
      const IV ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h));
      const IV ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h + 32));
      const IV qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
      o.u[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30));
      o.u[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
      o.u[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30));
      o.u[4 * h + 3] =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
    }
    for (int ch = 0; ch < kQ6Chunks; ++ch) {
      o.sc[ch] = _mm256_set_m128i(_mm_set1_epi16(b.scales[2 * ch + 1]), _mm_set1_epi16(b.scales[2 * ch]));
    }
    o.scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
    o.d = _cvtsh_ss(b.d);
  }
  static IV q6_x(const BlockQ8_K& x, int ch) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * ch)); }
  static IV q6_acc(IV acc, IV u, IV x, IV sc) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), sc));
  }

  static IV i_add(IV a, IV b) { return _mm256_add_epi32(a, b); }
  static int32_t i_hsum(IV v) { return i_hsum8(v); }
  static IV i_mullo(IV a, IV b) { return _mm256_mullo_epi32(a, b); }

  // ---- Q6_K panels (blocks.h): a sub-panel (8 rows) is one half of each 64-byte vector.
  [[gnu::always_inline]] static inline void q6p_unpack(const uint8_t* l0, IV v[4]) {
    const IV m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    const IV a = i_load(l0), b = i_load(l0 + 64), h = i_load(l0 + 128);
    v[0] = _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30));
    v[1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30));
    v[2] = _mm256_or_si256(_mm256_and_si256(b, m4), _mm256_and_si256(h, m30));
    v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_and_si256(_mm256_srli_epi16(h, 2), m30));
  }
  static IV q6p_group_scales(const uint8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  // Unsigned quants (<= 63) times activation bytes; pair sums stay below 2^15.
  static IV q6p_dot(IV acc, IV u, int32_t x4) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, _mm256_set1_epi32(x4)), _mm256_set1_epi16(1)));
  }
  static constexpr int kQ6PanelC = 3;
  static constexpr int kQ6PanelFewC = 4;
};

#include "kernels/simd/quant_all.inl"

}  // namespace

void fill_avx2_quant(KernelTable& table) { fill_quant_kernels<Avx2QuantHooks>(table); }

}  // namespace nanollama::kernels
