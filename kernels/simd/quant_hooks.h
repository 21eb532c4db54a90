// SPDX-License-Identifier: Apache-2.0
// The contract between the integer kernels written once (kernels/simd/quant_kernels.inl,
// q6_panel_kernels.inl) and an instruction set: a hook type, a struct of static functions,
// types and tile shapes, one per ISA (Avx2QuantHooks, Avx512QuantHooks, ...). The concepts
// below are the contract in code: QuantKernels<H> does not compile for an H that misses a
// hook or gets a signature wrong, and the error names the requirement. What each hook must
// compute is said next to it; the kernels' tests check the results on every path.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "kernels/blocks.h"

namespace nanollama::kernels {

template <class H>
concept QuantHooks = requires(const BlockQ8_0* q8, const BlockQ6_K& q6, const BlockQ8_K& q8k, const uint8_t* bytes,
                              uint8_t* out, float* floats, uint16_t* halves, const uint16_t* scales, const int8_t* qs,
                              typename H::IV iv, typename H::IV* ivs, const typename H::IV* civs, typename H::FV fv,
                              typename H::FV* fvs, const typename H::Q8PW& w, typename H::Q6Row& row,
                              typename H::Q6Bsums bsums, int32_t x4, size_t stride, int64_t count, int ch) {
  // IV, FV: one integer and one float vector of the same width, 256 or 512 bits.
  requires sizeof(typename H::IV) == sizeof(typename H::FV);
  requires sizeof(typename H::IV) == 32 || sizeof(typename H::IV) == 64;
  // kQ8Step: Q8_0 blocks per integer vector (32 quants each).
  requires H::kQ8Step * 32 == sizeof(typename H::IV);
  // Tile shapes: Q8_0 panel tiles of kQ8PanelP sub-panels x kQ8PanelC activation rows; Q6_K
  // tiles of kQ6TileR weight rows x kQ6TileC activation rows, kQ6MatvecR rows for one.
  requires H::kQ8PanelP >= 1 && H::kQ8PanelC >= 1;
  requires H::kQ6TileR >= 1 && H::kQ6TileC >= 1 && H::kQ6MatvecR >= 1;

  // Float lanes: zero, int32 -> float, multiply, a * b + c fused, broadcast.
  { H::f_zero() } -> std::same_as<typename H::FV>;
  { H::f_cvt(iv) } -> std::same_as<typename H::FV>;
  { H::f_mul(fv, fv) } -> std::same_as<typename H::FV>;
  { H::f_fma(fv, fv, fv) } -> std::same_as<typename H::FV>;
  { H::f_set1(1.0f) } -> std::same_as<typename H::FV>;
  // fvs[0 .. lanes) as a square matrix of floats, transposed in place.
  H::f_transpose(fvs);
  // An unaligned float store.
  H::f_store(floats, fv);
  // Integer lanes (int32): zero, broadcast, add, low 32 bits of the product, the exact sum
  // of all lanes, aligned load and store.
  { H::i_zero() } -> std::same_as<typename H::IV>;
  { H::i_set1(x4) } -> std::same_as<typename H::IV>;
  { H::i_add(iv, iv) } -> std::same_as<typename H::IV>;
  { H::i_mullo(iv, iv) } -> std::same_as<typename H::IV>;
  { H::i_hsum(iv) } -> std::same_as<int32_t>;
  { H::i_load(bytes) } -> std::same_as<typename H::IV>;
  H::i_store(out, iv);
  // Fetches the cache line at the address into L2.
  H::prefetch_l2(bytes);

  // ---- Q8_0 on GGUF rows
  // The int8 quants of kQ8Step consecutive blocks (q8_qs), or of one with the rest zero.
  { H::q8_qs(q8) } -> std::same_as<typename H::IV>;
  { H::q8_qs_one(q8) } -> std::same_as<typename H::IV>;
  // The f16 scales of `count` (<= lanes) consecutive blocks as floats, one lane each, zeros
  // past count.
  { H::q8_block_scales(q8, count) } -> std::same_as<typename H::FV>;
  // The one-row kernel's int8 dot: per activation vector x, q8v_prep_x(x) once and
  // q8v_init(x) (where the lanes' sums start); then q8v_dot(init, w, prepared x) leaves,
  // summed over its lanes per block, each block's exact integer dot ...
  { H::q8v_prep_x(iv) } -> std::same_as<typename H::IV>;
  { H::q8v_init(iv) } -> std::same_as<typename H::IV>;
  { H::q8v_dot(iv, iv, iv) } -> std::same_as<typename H::IV>;
  // ... and q8v_block_sums turns eight such steps into one int32 lane per block, in order.
  { H::q8v_block_sums(civs) } -> std::same_as<typename H::IV>;

  // ---- Q8_0 panels (blocks.h): one weight row per int32 lane
  // The same block of `lanes` rows `stride` bytes apart, transposed: vector k holds bytes
  // 4k..4k+3 of each row's quants (a sub-panel's block); and those rows' f16 scales.
  H::q8_transpose_rows(bytes, stride, ivs);
  H::q8_row_scales(bytes, stride, halves);
  // A panel block's f16 scales as floats.
  { H::q8p_scales(scales) } -> std::same_as<typename H::FV>;
  // The panel kernel's int8 dot: q8p_acc(acc, q8p_load_w(a panel vector), x4) adds, per
  // lane, the four-byte dot of w with the broadcast dword x4 of activation quants; a lane
  // that starts at q8p_init_for(the activation block's 32 quants) ends at exactly Σ w·x.
  { H::q8p_load_w(iv) } -> std::same_as<typename H::Q8PW>;
  { H::q8p_acc(iv, w, x4) } -> std::same_as<typename H::IV>;
  { H::q8p_init_for(qs) } -> std::same_as<int32_t>;

  // ---- Q6_K on GGUF rows: a super-block decoded once into kQ6Chunks vectors of unsigned
  // quants (u = q + 32, bytes 0..63), their lanes' group scales, the 16 scales as int16
  // (scales16) and d as a float.
  requires H::kQ6Chunks * static_cast<int>(sizeof(typename H::IV)) == 256;
  H::q6_decode(q6, row);
  // Chunk ch of an activation super-block's quants, lined up with the decoded chunk ch.
  { H::q6_x(q8k, ch) } -> std::same_as<typename H::IV>;
  // acc + per int32 lane: Σ of u·x over byte pairs, times the pair's group scale (exact).
  { H::q6_acc(iv, iv, iv, iv) } -> std::same_as<typename H::IV>;
  // The activation's 16 group sums, loaded once per super-block, and Σ_g scale_g · bsum_g
  // against a decoded row's scales16 (the quants' offset, exact).
  { H::q6_bsums(q8k) } -> std::same_as<typename H::Q6Bsums>;
  { H::q6_scaled_bsums(row.scales16, bsums) } -> std::same_as<int32_t>;
  { row.d } -> std::convertible_to<float>;
};

// Q6_K on panels (blocks.h, "Q6_K panels"), on top of the integer hooks.
template <class H>
concept Q6PanelHooks = QuantHooks<H> && requires(const uint8_t* bytes, typename H::IV iv, typename H::IV* ivs,
                                                 int32_t x4) {
  // Activation rows per prompt tile and per decoding tile.
  requires H::kQ6PanelC >= 1 && H::kQ6PanelFewC >= 1;
  // A group's L0/L1/H vectors (this sub-panel's part) to its four dword vectors of unsigned
  // quants, and its int8 scales of this sub-panel's rows as int32 lanes.
  H::q6p_unpack(bytes, ivs);
  { H::q6p_group_scales(bytes) } -> std::same_as<typename H::IV>;
  // acc + per lane: Σ u·x over four bytes, x4 a broadcast dword of activation bytes.
  { H::q6p_dot(iv, iv, x4) } -> std::same_as<typename H::IV>;
};

}  // namespace nanollama::kernels
