// Integer kernels for the AVX-512 VNNI path. vpdpbusd multiplies unsigned by signed bytes
// and accumulates groups of four into int32 with no intermediate saturation. Activations
// are made unsigned by adding 128 (x ^ 0x80); the extra 128·Σw this adds is removed by
// starting each accumulator at -128·Σw, computed once per weight vector, so a pair costs
// one vpdpbusd. Q6_K's 6-bit quants are already unsigned; their group scales are applied
// in int16 with vpdpwssd.
#include "kernels/x86/avx512_intrinsics.h"

#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

#include "kernels/x86/avx512_quant_common.inl"

constexpr int kQ8TileR = 4;
constexpr int kQ8TileC = 3;
constexpr int kQ6TileR = 2;
constexpr int kQ6TileC = 4;
constexpr int kQ6MatvecR = 1;

// Activation quants of the block-transposed kernel: made unsigned (x + 128).
IV q8_prep_x(IV x) { return _mm512_xor_si512(x, _mm512_set1_epi8(static_cast<char>(0x80))); }

// Matrix-vector kernel: here the weights are made unsigned (w ^ 0x80 = w + 128) and the
// activations stay signed, so the correction, -128·Σx, depends on the activation row only
// and is computed once per call instead of once per weight vector.
IV q8v_prep_x(IV x) { return x; }
IV q8v_init(IV x) {
  const IV sum128 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(static_cast<char>(0x80)), x);
  return _mm512_sub_epi32(_mm512_setzero_si512(), sum128);
}
IV q8v_dot(IV init, IV w, IV x) {
  return _mm512_dpbusd_epi32(init, _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80))), x);
}

// Block-transposed layout: the weights stay as they are; the -128·Σw of all eight vectors
// is where each lane's sum starts.
using Q8WT = IV;
// Stops the compiler from folding a reused weight vector into each instruction's memory
// operand: reloading it per product made the kernel load-bound.
inline void keep_in_register(IV& v) { __asm__("" : "+v"(v)); }
Q8WT q8t_prep_w(IV w) { return w; }
IV q8t_init(const IV* w) {
  IV sum128 = _mm512_setzero_si512();
  for (int k = 0; k < 8; ++k) sum128 = _mm512_dpbusd_epi32(sum128, _mm512_set1_epi8(static_cast<char>(0x80)), w[k]);
  return _mm512_sub_epi32(_mm512_setzero_si512(), sum128);
}
IV q8t_acc(IV acc, const Q8WT& w, IV x_unsigned) { return _mm512_dpbusd_epi32(acc, x_unsigned, w); }
IV q6_acc(IV acc, IV u, IV x, IV sc) { return _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(u, x), sc); }

#include "kernels/x86/quant_kernels.inl"

}  // namespace

void fill_avx512vnni_quant(KernelTable& table) {
  table.matmul_q8_0 = {matmul_q8_0_simd, q8_packed_x_bytes, q8_pack_x};
  table.matmul_q6_k = {matmul_q6_k_simd};
}

}  // namespace nanollama::kernels
