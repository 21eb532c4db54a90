// SPDX-License-Identifier: Apache-2.0
// Q8_0 (blocks of 32 int8 quants and an f16 scale; kernels/blocks.h): its trait row. Its
// activations are Q8_0 too. Scalar reference: kernels/scalar/; panels: kernels/panels.cpp.
#include "kernels/scalar/reference.h"
#include "kernels/traits.h"

namespace nanollama::kernels {
namespace {

void quantize_q8_0(const float* src, void* dst, int64_t n) { active_table().quantize_q8_0(src, dst, n); }

}  // namespace

// llama.cpp's file type 7: mostly Q8_0.
constinit const TypeTraits kTraitsQ8_0{TensorType::Q8_0, true, true, TensorType::Q8_0, 7,
                                       ref::dequantize_row_q8_0, quantize_q8_0, &KernelTable::matmul_q8_0};

}  // namespace nanollama::kernels
