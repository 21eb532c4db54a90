// SPDX-License-Identifier: Apache-2.0
// The reference of the lossy BF16 product (MatrixLayout::bf16_pairs; docs/KERNELS.md, "BF16
// pairs"): what one lane of x86's vdpbf16ps computes over a row, written out, and the panel
// layout (blocks.h). A SIMD path with that instruction must give these bits exactly.
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/fp16.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {
namespace {

// vdpbf16ps reads subnormal inputs as zero and writes subnormal results as zero, after each
// of its two additions (checked on the hardware by tests/kernels/test_bf16_pairs.cpp).
float flush(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }

}  // namespace

// Rounding a normal float to BF16 never gives a subnormal (the exponent range is F32's), so
// flushing the input is all there is to it.
uint16_t bf16_activation(float v) { return kernels::f32_to_bf16(flush(v)); }

void bf16_activations(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_activation(x[i]);
}

// One chain over the pairs in order: the odd element of a pair first, then the even one
// (vdpbf16ps's order), each addition rounded and flushed.
float dot_bf16_pairs(const uint16_t* w, const uint16_t* x, int64_t n) {
  float acc = 0.0f;
  const auto at = [n](const uint16_t* v, int64_t k) { return k < n ? flush(kernels::bf16_to_f32(v[k])) : 0.0f; };
  for (int64_t even = 0; even < n; even += 2) {
    const int64_t odd = even + 1;
    acc = flush(std::fma(at(w, odd), at(x, odd), acc));
    acc = flush(std::fma(at(w, even), at(x, even), acc));
  }
  return acc;
}

void pack_bf16_panel(const uint16_t* rows, int64_t count, int64_t cols, uint8_t* out) {
  auto* panel = reinterpret_cast<uint16_t*>(out);
  for (int64_t q = 0; q < bf16_pair_count(cols); ++q) {
    for (int r = 0; r < kBf16PanelRows; ++r) {
      for (int half = 0; half < 2; ++half) {
        const int64_t k = 2 * q + half;
        panel[(q * kBf16PanelRows + r) * 2 + half] = r < count && k < cols ? rows[r * cols + k] : uint16_t{0};
      }
    }
  }
}

void bf16_panel_row(const uint8_t* panel, int64_t cols, int lane, uint16_t* row) {
  const auto* v = reinterpret_cast<const uint16_t*>(panel);
  for (int64_t k = 0; k < cols; ++k) row[k] = v[((k / 2) * kBf16PanelRows + lane) * 2 + k % 2];
}

size_t bf16_pairs_packed_bytes(const MatmulArgs& a) {
  return static_cast<size_t>(a.n_act) * static_cast<size_t>(bf16_pairs_padded_cols(a.cols)) * sizeof(uint16_t);
}

void pack_bf16_pairs(const MatmulArgs& a, int part, int parts, void* out) {
  const int64_t padded = bf16_pairs_padded_cols(a.cols);
  const int64_t i0 = a.n_act * part / parts, i1 = a.n_act * (part + 1) / parts;
  for (int64_t i = i0; i < i1; ++i) {
    const auto* x = reinterpret_cast<const float*>(a.x + static_cast<size_t>(i) * a.x_stride);
    uint16_t* row = static_cast<uint16_t*>(out) + i * padded;
    bf16_activations(x, row, a.cols);
    for (int64_t k = a.cols; k < padded; ++k) row[k] = 0;
  }
}

void matmul_bf16_pairs(const MatmulArgs& a, int64_t n0, int64_t n1) {
  const int64_t padded = bf16_pairs_padded_cols(a.cols);
  const auto* x = static_cast<const uint16_t*>(a.x_packed);
  thread_local std::vector<uint16_t> w;
  w.resize(static_cast<size_t>(a.cols));
  for (int64_t n = n0; n < n1; ++n) {
    bf16_panel_row(a.w + static_cast<size_t>(n / kBf16PanelRows) * a.w_stride, a.cols, static_cast<int>(n % kBf16PanelRows), w.data());
    for (int64_t i = 0; i < a.n_act; ++i) a.y[i * a.ldy + n] = dot_bf16_pairs(w.data(), x + i * padded, a.cols);
  }
}

}  // namespace nanollama::kernels::ref
