// SPDX-License-Identifier: Apache-2.0
// One row of traits per tensor type the kernels compute with: how to convert a row, which
// activation type the type's dot product consumes, where its matrix product lives in the
// dispatch table, and the llama.cpp file type of a model made of it. Each row is defined in
// its format's file (kernels/formats/); the table (traits.cpp) lists the rows. Adding a
// weight type is adding its file there and one line to the table (and its kernels).
#pragma once

#include <cstdint>

#include "kernels/dispatch.h"
#include "nanollama/tensor_type.h"

namespace nanollama::kernels {

struct TypeTraits {
  TensorType type;       // block size and bytes: tensor_type_info(type)
  bool is_weight_type;   // usable as the weight of a matrix product
  bool is_quantized;     // block-quantized (a GGUF made of it has general.quantization_version)
  TensorType activation;  // the type its dot product pairs with (weight types only)
  uint32_t file_type;    // llama.cpp's general.file_type of a model of such matrices (weight types)
  void (*dequantize_row)(const void* src, float* dst, int64_t n);
  void (*quantize_row)(const float* src, void* dst, int64_t n);
  MatmulOps KernelTable::*matmul;  // null for non-weight types
};

// The rows (kernels/formats/*.cpp).
extern const TypeTraits kTraitsF32, kTraitsF16, kTraitsBF16, kTraitsQ8_0, kTraitsQ6_K, kTraitsQ8_K;

// The traits of `type`, or nullptr if the kernels cannot convert it.
const TypeTraits* find_traits(TensorType type) noexcept;

}  // namespace nanollama::kernels
