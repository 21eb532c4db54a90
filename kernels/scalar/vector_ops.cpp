// SPDX-License-Identifier: Apache-2.0
// Reference float vector routines: plain loops in element order.
#include <cmath>

#include "kernels/fp16.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {

float dot_f32(const float* a, const float* b, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float dot_f32_f16(const float* a, const uint16_t* b, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * fp16_to_f32(b[i]);
  return sum;
}

void axpy_f32(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpy_f16(float a, const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * fp16_to_f32(x[i]);
}

// Gathered rows: the single-row routines, row after row.
void dot_rows_f32(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = scale * dot_f32(q, base + static_cast<size_t>(index[i]) * stride, n);
}

void dot_rows_f16(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = scale * dot_f32_f16(q, base + static_cast<size_t>(index[i]) * stride, n);
}

void axpy_rows_f32(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y) {
  for (int64_t i = 0; i < count; ++i) axpy_f32(w[i], base + static_cast<size_t>(index[i]) * stride, y, n);
}

void axpy_rows_f16(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y) {
  for (int64_t i = 0; i < count; ++i) axpy_f16(w[i], base + static_cast<size_t>(index[i]) * stride, y, n);
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void scale(float* y, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

// The sum of squares is accumulated in double, as ggml does: at n = 3072 an f32 sum would
// already lose bits that show in the normalised output.
void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  const float mean = n > 0 ? static_cast<float>(sum / static_cast<double>(n)) : 0.0f;
  const float inv = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * inv * (gain ? gain[i] : 1.0f);
}

float softmax(float* x, int64_t n) {
  if (n <= 0) return 0.0f;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = std::fmax(max, x[i]);
  if (std::isinf(max) && max < 0.0f) {  // every entry masked out: no distribution to form
    for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
    return 0.0f;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += static_cast<double>(x[i]);
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
  return static_cast<float>(sum);
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

// Mish(x) = x·tanh(softplus(x)). softplus(x) = log(1 + e^x) overflows for large x, so it is
// written max(x, 0) + log1p(e^-|x|); tanh then saturates cleanly to ±1.
float mish(float x) {
  const float softplus = std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
  return x * std::tanh(softplus);
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

void mish_mul(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = mish(gate[i]) * up[i];
}

void rope_pairs(float* x, const float* cos, const float* sin, int64_t n_pairs) {
  for (int64_t i = 0; i < n_pairs; ++i) {
    const float a = x[2 * i];
    const float b = x[2 * i + 1];
    x[2 * i] = a * cos[i] - b * sin[i];
    x[2 * i + 1] = a * sin[i] + b * cos[i];
  }
}

void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f32_to_fp16(x[i]);
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_f32(x[i]);
}

}  // namespace nanollama::kernels::ref
