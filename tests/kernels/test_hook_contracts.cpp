// SPDX-License-Identifier: Apache-2.0
// The hook contracts (kernels/simd/float_hooks.h, kernels/simd/quant_hooks.h) are concepts: a
// path's hook type that misses a piece, gets a signature wrong or picks an impossible tile shape
// must be refused at compile time, where the kernel templates are instantiated. These tests hold
// the concepts to that with stand-in hook types (declarations only: a concept checks
// signatures, never calls), each knob breaking one requirement.
#include <gtest/gtest.h>

#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "kernels/simd/float_hooks.h"
#include "kernels/simd/quant_hooks.h"

namespace nanollama::kernels {
namespace {

template <bool kHasStoreI8 = true, bool kDupPairsGivesF = true, int kColumns = 4>
struct StandInFloatHooks {
  using F = xsimd::batch<float>;
  using D = xsimd::batch<double>;
  static constexpr int64_t kLanes = F::size;
  static constexpr int kTileR = 2;
  static constexpr int kTileC = kColumns;
  static F load_f16(const uint16_t* p);
  static F load_bf16(const uint16_t* p);
  static void store_f16(uint16_t* p, F v);
  static uint16_t f16_of(float v);
  static void widen(F v, D& lo, D& hi);
  static std::conditional_t<kDupPairsGivesF, F, D> dup_pairs(const float* c);
  static F swap_pairs(F v);
  static F round_even(F v);
  static F max_or_second(F a, F b);
  static void store_i8(int8_t* dst, F q) requires kHasStoreI8;
};

TEST(HookContracts, FloatHooksAcceptACompleteTypeAndRefuseEachMistake) {
  EXPECT_TRUE(FloatHooks<StandInFloatHooks<>>);
  EXPECT_FALSE((FloatHooks<StandInFloatHooks<false>>)) << "a missing hook";
  EXPECT_FALSE((FloatHooks<StandInFloatHooks<true, false>>)) << "a hook returning the wrong type";
  EXPECT_FALSE((FloatHooks<StandInFloatHooks<true, true, 3>>)) << "tiles narrower than the few-rows kernel's 4";
}

// 256-bit stand-in vectors: only their size matters to the contract.
struct alignas(32) Vector256 {
  unsigned char bytes[32];
};
struct alignas(32) FloatVector256 {
  float lanes[8];
};

template <bool kHasQ8Dot = true, int kBlocksPerStep = 1, bool kHasQ6PanelDot = true>
struct StandInQuantHooks {
  using IV = Vector256;
  using FV = FloatVector256;
  static constexpr int kQ8Step = kBlocksPerStep;
  static constexpr int kQ8PanelP = 1, kQ8PanelC = 4;
  static constexpr int kQ6TileR = 2, kQ6TileC = 4, kQ6MatvecR = 1;
  static constexpr int kQ6Chunks = 8;
  static constexpr int kQ6PanelC = 3, kQ6PanelFewC = 4;
  struct Q8PW {
    IV w;
  };
  struct Q6Row {
    IV u[kQ6Chunks];
    IV sc[kQ6Chunks];
    IV scales16;
    float d;
  };
  using Q6Bsums = IV;
  static FV f_zero();
  static FV f_cvt(IV v);
  static FV f_mul(FV a, FV b);
  static FV f_fma(FV a, FV b, FV c);
  static FV f_set1(float v);
  static void f_transpose(FV m[8]);
  static void f_store(float* p, FV v);
  static IV i_zero();
  static IV i_set1(int32_t v);
  static IV i_add(IV a, IV b);
  static IV i_mullo(IV a, IV b);
  static int32_t i_hsum(IV v);
  static IV i_load(const void* p);
  static void i_store(void* p, IV v);
  static void prefetch_l2(const uint8_t* p);
  static IV q8_qs(const BlockQ8_0* b);
  static IV q8_qs_one(const BlockQ8_0* b);
  static FV q8_block_scales(const BlockQ8_0* b, int64_t count);
  static IV q8v_prep_x(IV x);
  static IV q8v_init(IV x);
  static IV q8v_dot(IV init, IV w, IV x) requires kHasQ8Dot;
  static IV q8v_block_sums(const IV part[8]);
  static void q8_transpose_rows(const uint8_t* first, size_t stride, IV out[8]);
  static void q8_row_scales(const uint8_t* first, size_t stride, uint16_t* out);
  static FV q8p_scales(const uint16_t* d);
  static Q8PW q8p_load_w(IV w);
  static IV q8p_acc(IV acc, const Q8PW& w, int32_t x4);
  static int32_t q8p_init_for(const int8_t* qs);
  static void q6_decode(const BlockQ6_K& b, Q6Row& o);
  static IV q6_x(const BlockQ8_K& x, int ch);
  static IV q6_acc(IV acc, IV u, IV x, IV sc);
  static Q6Bsums q6_bsums(const BlockQ8_K& x);
  static int32_t q6_scaled_bsums(IV scales16, Q6Bsums bsums);
  static void q6p_unpack(const uint8_t* l0, IV v[4]);
  static IV q6p_group_scales(const uint8_t* p);
  static IV q6p_dot(IV acc, IV u, int32_t x4) requires kHasQ6PanelDot;
};

TEST(HookContracts, QuantHooksAcceptACompleteTypeAndRefuseEachMistake) {
  EXPECT_TRUE(QuantHooks<StandInQuantHooks<>>);
  EXPECT_TRUE(Q6PanelHooks<StandInQuantHooks<>>);
  EXPECT_FALSE((QuantHooks<StandInQuantHooks<false>>)) << "a missing int8 dot";
  EXPECT_FALSE((QuantHooks<StandInQuantHooks<true, 2>>)) << "two Q8_0 blocks do not fill a 256-bit vector";
  EXPECT_TRUE((QuantHooks<StandInQuantHooks<true, 1, false>>)) << "the Q6_K panel hooks are a separate contract";
  EXPECT_FALSE((Q6PanelHooks<StandInQuantHooks<true, 1, false>>)) << "a missing Q6_K panel dot";
}

}  // namespace
}  // namespace nanollama::kernels
