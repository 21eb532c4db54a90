// SPDX-License-Identifier: Apache-2.0
// Tensor element types as numbered in GGUF files (ggml's type ids), and their block sizes.
//
// This table is the one place these facts live: the GGUF reader uses it to size tensors,
// the kernels use it to walk blocks. Types the table knows can be read and inspected; only
// some of them can be computed with (see kernels::supports_weight_type).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nanollama {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct TensorTypeInfo {
  TensorType type;
  std::string_view name;    // as ggml spells it: "F16", "Q8_0", "Q6_K", ...
  uint32_t block_size;      // elements per block
  uint32_t block_bytes;     // bytes per block
};

// Facts for a raw type id read from a file; nullopt for ids nanollama does not know
// (removed, too new, or not covered).
std::optional<TensorTypeInfo> find_tensor_type(uint32_t id) noexcept;

// Facts for a known type.
const TensorTypeInfo& tensor_type_info(TensorType type) noexcept;
std::string_view tensor_type_name(TensorType type) noexcept;

// Parses "f16", "Q8_0", "q6_k" (case-insensitive); nullopt if unknown.
std::optional<TensorType> parse_tensor_type(std::string_view name) noexcept;

// Bytes taken by `n` elements, or nullopt if `n` is not a whole number of blocks (or the
// size overflows 64 bits).
std::optional<uint64_t> row_bytes(TensorType type, uint64_t n) noexcept;

}  // namespace nanollama
