// SPDX-License-Identifier: Apache-2.0
// Q6_K (super-blocks of 256 6-bit quants, int8 group scales, an f16 scale; kernels/blocks.h)
// and its activation type Q8_K: their trait rows. Scalar reference: kernels/scalar/.
#include "kernels/scalar/reference.h"
#include "kernels/traits.h"

namespace nanollama::kernels {
namespace {

void quantize_q8_k(const float* src, void* dst, int64_t n) { active_table().quantize_q8_k(src, dst, n); }

}  // namespace

// llama.cpp's file type 18: mostly Q6_K.
constinit const TypeTraits kTraitsQ6_K{TensorType::Q6_K, true, true, TensorType::Q8_K, 18,
                                       ref::dequantize_row_q6_k, ref::quantize_row_q6_k, &KernelTable::matmul_q6_k};
// Activations only: no matrix product, no file type.
constinit const TypeTraits kTraitsQ8_K{TensorType::Q8_K, false, true, TensorType::Q8_K, 0,
                                       ref::dequantize_row_q8_k, quantize_q8_k, nullptr};

}  // namespace nanollama::kernels
