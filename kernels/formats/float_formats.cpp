// SPDX-License-Identifier: Apache-2.0
// The float formats' trait rows: F32, F16, BF16 (weights with F32 activations).
#include <cstring>

#include "kernels/scalar/reference.h"
#include "kernels/traits.h"

namespace nanollama::kernels {
namespace {

// Conversions that have SIMD versions go through the active table (those versions give the
// same bytes as the reference; the tests check it on every path).
void dequantize_f32(const void* src, float* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); }
void quantize_f32(const float* src, void* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); }
void dequantize_f16(const void* src, float* dst, int64_t n) {
  active_table().f16_to_f32(static_cast<const uint16_t*>(src), dst, n);
}
void quantize_f16(const float* src, void* dst, int64_t n) {
  active_table().f32_to_f16(src, static_cast<uint16_t*>(dst), n);
}
void dequantize_bf16(const void* src, float* dst, int64_t n) {
  ref::bf16_to_f32(static_cast<const uint16_t*>(src), dst, n);
}
void quantize_bf16(const float* src, void* dst, int64_t n) { ref::f32_to_bf16(src, static_cast<uint16_t*>(dst), n); }

}  // namespace

// llama.cpp's file types: 0 all F32, 1 mostly F16, 32 mostly BF16.
constinit const TypeTraits kTraitsF32{TensorType::F32, true, false, TensorType::F32, 0,
                                      dequantize_f32, quantize_f32, &KernelTable::matmul_f32};
constinit const TypeTraits kTraitsF16{TensorType::F16, true, false, TensorType::F32, 1,
                                      dequantize_f16, quantize_f16, &KernelTable::matmul_f16};
constinit const TypeTraits kTraitsBF16{TensorType::BF16, true, false, TensorType::F32, 32,
                                       dequantize_bf16, quantize_bf16, &KernelTable::matmul_bf16};

}  // namespace nanollama::kernels
