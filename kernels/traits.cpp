// SPDX-License-Identifier: Apache-2.0
// The trait table and the row conversions of the public API.
#include "kernels/traits.h"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

// The table: one line per format, in the order weight_types() lists them.
constexpr const TypeTraits* kRows[] = {&kTraitsF32, &kTraitsF16, &kTraitsBF16, &kTraitsQ8_0, &kTraitsQ6_K, &kTraitsQ8_K};

// Builds the message only on failure: the row conversions run inside every decode (the
// embedding lookup), which must not allocate (src/model/session_impl.h).
[[noreturn]] void fail_row(ErrorCode code, const char* what, TensorType type, const std::string& problem) {
  throw Error(code, std::string("kernels::") + what + "(" + std::string(tensor_type_name(type)) + "): " + problem);
}

const TypeTraits& checked_row(const char* what, TensorType type, const void* data, int64_t n) {
  const TypeTraits* t = find_traits(type);
  if (t == nullptr) fail_row(ErrorCode::unsupported, what, type, "type not supported by the kernels");
  const uint32_t block_size = tensor_type_info(type).block_size;
  if (n < 0 || n % block_size != 0) {
    fail_row(ErrorCode::invalid_argument, what, type,
             "row length " + std::to_string(n) + " is not a multiple of the block size " + std::to_string(block_size));
  }
  if (n > 0 && data == nullptr) fail_row(ErrorCode::invalid_argument, what, type, "null pointer");
  return *t;
}

}  // namespace

const TypeTraits* find_traits(TensorType type) noexcept {
  for (const TypeTraits* row : kRows) {
    if (row->type == type) return row;
  }
  return nullptr;
}

std::span<const TensorType> weight_types() noexcept {
  static const auto types = [] {
    std::array<TensorType, std::size(kRows)> out{};
    size_t n = 0;
    for (const TypeTraits* row : kRows) {
      if (row->is_weight_type) out[n++] = row->type;
    }
    return std::pair{out, n};
  }();
  return {types.first.data(), types.second};
}

bool is_quantized_type(TensorType type) noexcept {
  const TypeTraits* t = find_traits(type);
  return t != nullptr && t->is_quantized;
}

std::optional<uint32_t> gguf_file_type(TensorType weight_type) noexcept {
  const TypeTraits* t = find_traits(weight_type);
  if (t == nullptr || !t->is_weight_type) return std::nullopt;
  return t->file_type;
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
