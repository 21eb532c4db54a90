// SPDX-License-Identifier: Apache-2.0
// The contract between the float kernels written once (kernels/simd/float_kernels.inl) and
// an instruction set: a hook type, a struct of static functions and types, one per ISA
// (Avx2FloatHooks, Avx512FloatHooks, NeonFloatHooks). xsimd provides the arithmetic; these
// are the pieces xsimd 8.1 lacks. FloatKernels<H> does not compile for an H that misses one
// or gets a signature wrong, and the error names the requirement. The kernels' tests check
// what each computes on every path against the scalar reference.
#pragma once

#include <concepts>
#include <cstdint>

namespace nanollama::kernels {

template <class H>
concept FloatHooks = requires(const uint16_t* halves, uint16_t* out, const float* floats, int8_t* bytes,
                              typename H::F v, typename H::D& lo, typename H::D& hi) {
  // F: kLanes floats (an xsimd batch); D: half as many doubles.
  requires H::F::size == H::kLanes && H::D::size * 2 == H::kLanes;
  // The matrix tile: kTileR weight rows x kTileC activation rows of accumulators (at least
  // 4 columns: the few-rows kernel also takes tiles of 4 activation rows).
  requires H::kTileR >= 1 && H::kTileC >= 4;
  // kLanes f16 or bf16 values to floats (exact), and floats to f16 (nearest-even).
  { H::load_f16(halves) } -> std::same_as<typename H::F>;
  { H::load_bf16(halves) } -> std::same_as<typename H::F>;
  H::store_f16(out, v);
  // One float to f16, nearest-even.
  { H::f16_of(1.0f) } -> std::same_as<uint16_t>;
  // The lanes as doubles: the low half in lo, the high half in hi.
  H::widen(v, lo, hi);
  // For RoPE: c0 c0 c1 c1 ... from kLanes / 2 floats, and each lane pair swapped.
  { H::dup_pairs(floats) } -> std::same_as<typename H::F>;
  { H::swap_pairs(v) } -> std::same_as<typename H::F>;
  // Round to the nearest integer, ties to even.
  { H::round_even(v) } -> std::same_as<typename H::F>;
  // a > b ? a : b lane by lane, so b when either is NaN (x86's vmaxps), for the quantizers.
  { H::max_or_second(v, v) } -> std::same_as<typename H::F>;
  // kLanes integral floats in [-128, 127] to int8.
  H::store_i8(bytes, v);
};

// Optional hooks of the BF16-pairs product (FloatKernels::pair_step, simd_round_bf16), used
// when a hook type has them. A path with a native pair step asserts NativeBf16Pairs.
//   dot_bf16_pairs(acc, w, x): for each lane l, acc_l + w_odd·x_odd, rounded, + w_even·x_even,
//     rounded, where lane l of w and x holds a pair of BF16 values (even element low).
//   round_bf16(lo, hi, out): 2 x kLanes floats to BF16 as ref::bf16_activation rounds.
template <class H>
concept NativeBf16Pairs = FloatHooks<H> && requires(typename H::F acc, typename H::U pairs) {
  { H::dot_bf16_pairs(acc, pairs, pairs) } -> std::same_as<typename H::F>;
};

}  // namespace nanollama::kernels
