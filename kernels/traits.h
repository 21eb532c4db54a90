// SPDX-License-Identifier: Apache-2.0
// One row of traits per tensor type the kernels compute with: how to convert a row, which
// activation type the type's dot product consumes, and where its matrix product lives in
// the dispatch table. Adding a weight type is adding a row here (and its kernels).
#pragma once

#include <cstdint>

#include "kernels/dispatch.h"
#include "nanollama/tensor_type.h"

namespace nanollama::kernels {

struct TypeTraits {
  TensorType type;
  uint32_t block_size;   // from the tensor type table
  uint32_t block_bytes;  // from the tensor type table
  bool is_weight_type;   // usable as the weight of a matrix product
  TensorType activation;  // the type its dot product pairs with (weight types only)
  void (*dequantize_row)(const void* src, float* dst, int64_t n);
  void (*quantize_row)(const float* src, void* dst, int64_t n);
  // Reference dot product of one row of this type with one row of `activation`.
  float (*dot_row)(const void* w, const void* x, int64_t n);
  MatmulOps KernelTable::*matmul;  // null for non-weight types
};

// The traits of `type`, or nullptr if the kernels cannot convert it.
const TypeTraits* find_traits(TensorType type) noexcept;

}  // namespace nanollama::kernels
