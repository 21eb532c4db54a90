// SPDX-License-Identifier: Apache-2.0
// The trait table and the row conversions of the public API.
#include "kernels/traits.h"

#include <array>
#include <cstring>
#include <string>

#include "kernels/scalar/reference.h"
#include "nanollama/error.h"

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
void quantize_q8_0(const float* src, void* dst, int64_t n) { active_table().quantize_q8_0(src, dst, n); }
void quantize_q8_k(const float* src, void* dst, int64_t n) { active_table().quantize_q8_k(src, dst, n); }

TypeTraits make(TensorType type, bool weight, TensorType act, void (*deq)(const void*, float*, int64_t),
                void (*quant)(const float*, void*, int64_t), float (*dot)(const void*, const void*, int64_t),
                MatmulOps KernelTable::*mm) {
  const auto& info = tensor_type_info(type);
  return TypeTraits{type, info.block_size, info.block_bytes, weight, act, deq, quant, dot, mm};
}

const std::array<TypeTraits, 6>& table() {
  using T = TensorType;
  static const std::array<TypeTraits, 6> rows = {
      make(T::F32, true, T::F32, dequantize_f32, quantize_f32, ref::dot_f32_row, &KernelTable::matmul_f32),
      make(T::F16, true, T::F32, dequantize_f16, quantize_f16, ref::dot_f16_row, &KernelTable::matmul_f16),
      make(T::BF16, true, T::F32, dequantize_bf16, quantize_bf16, ref::dot_bf16_row, &KernelTable::matmul_bf16),
      make(T::Q8_0, true, T::Q8_0, ref::dequantize_row_q8_0, quantize_q8_0, ref::dot_q8_0_row,
           &KernelTable::matmul_q8_0),
      make(T::Q6_K, true, T::Q8_K, ref::dequantize_row_q6_k, ref::quantize_row_q6_k, ref::dot_q6_k_row,
           &KernelTable::matmul_q6_k),
      make(T::Q8_K, false, T::Q8_K, ref::dequantize_row_q8_k, quantize_q8_k, nullptr, nullptr),
  };
  return rows;
}

// Builds the message only on failure: the row conversions run inside every decode (the
// embedding lookup), which must not allocate (src/model/session_impl.h).
[[noreturn]] void fail_row(ErrorCode code, const char* what, TensorType type, const std::string& problem) {
  throw Error(code, std::string("kernels::") + what + "(" + std::string(tensor_type_name(type)) + "): " + problem);
}

const TypeTraits& checked_row(const char* what, TensorType type, const void* data, int64_t n) {
  const TypeTraits* t = find_traits(type);
  if (t == nullptr) fail_row(ErrorCode::unsupported, what, type, "type not supported by the kernels");
  if (n < 0 || n % t->block_size != 0) {
    fail_row(ErrorCode::invalid_argument, what, type,
             "row length " + std::to_string(n) + " is not a multiple of the block size " + std::to_string(t->block_size));
  }
  if (n > 0 && data == nullptr) fail_row(ErrorCode::invalid_argument, what, type, "null pointer");
  return *t;
}

}  // namespace

const TypeTraits* find_traits(TensorType type) noexcept {
  for (const auto& row : table()) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

bool supports_weight_type(TensorType type) noexcept {
  const TypeTraits* t = find_traits(type);
  return t != nullptr && t->is_weight_type;
}

TensorType activation_type(TensorType weight_type) noexcept {
  const TypeTraits* t = find_traits(weight_type);
  return t != nullptr && t->is_weight_type ? t->activation : TensorType::F32;
}

void dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
  const TypeTraits& t = checked_row("dequantize_row", type, src, n);
  if (n > 0 && dst == nullptr) throw Error(ErrorCode::invalid_argument, "kernels::dequantize_row: null output");
  if (n > 0) t.dequantize_row(src, dst, n);
}

void quantize_row(TensorType type, const float* src, void* dst, int64_t n) {
  const TypeTraits& t = checked_row("quantize_row", type, dst, n);
  if (n > 0 && src == nullptr) throw Error(ErrorCode::invalid_argument, "kernels::quantize_row: null input");
  if (n > 0) t.quantize_row(src, dst, n);
}

}  // namespace nanollama::kernels
