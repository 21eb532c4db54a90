// SPDX-License-Identifier: Apache-2.0
// The public float vector routines: thin forwards to the active path's table.
#include "kernels/dispatch.h"

namespace nanollama::kernels {

float dot_f32(const float* a, const float* b, int64_t n) { return n > 0 ? active_table().dot_f32(a, b, n) : 0.0f; }
float dot_f32_f16(const float* a, const uint16_t* b, int64_t n) {
  return n > 0 ? active_table().dot_f32_f16(a, b, n) : 0.0f;
}
void axpy_f32(float a, const float* x, float* y, int64_t n) {
  if (n > 0) active_table().axpy_f32(a, x, y, n);
}
void axpy_f16(float a, const uint16_t* x, float* y, int64_t n) {
  if (n > 0) active_table().axpy_f16(a, x, y, n);
}
void dot_rows_f32(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out) {
  if (count > 0) active_table().dot_rows_f32(q, base, stride, index, count, n, scale, out);
}
void dot_rows_f16(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out) {
  if (count > 0) active_table().dot_rows_f16(q, base, stride, index, count, n, scale, out);
}
void axpy_rows_f32(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y) {
  if (count > 0 && n > 0) active_table().axpy_rows_f32(w, base, stride, index, count, n, y);
}
void axpy_rows_f16(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y) {
  if (count > 0 && n > 0) active_table().axpy_rows_f16(w, base, stride, index, count, n, y);
}
void add(float* y, const float* x, int64_t n) {
  if (n > 0) active_table().add(y, x, n);
}
void scale(float* y, float s, int64_t n) {
  if (n > 0) active_table().scale(y, s, n);
}
void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps) {
  if (n > 0) active_table().rms_norm(x, gain, y, n, eps);
}
float softmax(float* x, int64_t n) { return n > 0 ? active_table().softmax(x, n) : 0.0f; }
void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  if (n > 0) active_table().silu_mul(gate, up, out, n);
}
void mish_mul(const float* gate, const float* up, float* out, int64_t n) {
  if (n > 0) active_table().mish_mul(gate, up, out, n);
}
void rope_pairs(float* x, const float* cos, const float* sin, int64_t n_pairs) {
  if (n_pairs > 0) active_table().rope_pairs(x, cos, sin, n_pairs);
}
void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  if (n > 0) active_table().f32_to_f16(x, y, n);
}
void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  if (n > 0) active_table().f16_to_f32(x, y, n);
}

}  // namespace nanollama::kernels
