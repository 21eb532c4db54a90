// SPDX-License-Identifier: Apache-2.0
// Portable half-precision conversions (IEEE binary16 and bfloat16), bit-exact with x86 F16C
// (round to nearest even, quiet NaNs keep their payload's top bits).
//
// Every function here is `static inline` on purpose: each translation unit gets its own
// private copy, so a copy compiled with AVX-512 flags can never be the one the linker hands
// to a generic caller (docs/KERNELS.md, "Dispatch": the ODR trap).
#pragma once

#include <cstdint>
#include <cstring>

namespace nanollama::kernels {

static inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

static inline float bits_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

static inline float fp16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0) {
    // Zero or subnormal: the value is mantissa * 2^-24, exact in f32.
    const float magnitude = static_cast<float>(mantissa) * bits_f32(0x33800000u);  // 2^-24
    return bits_f32(sign | f32_bits(magnitude));
  }
  if (exponent == 31) {  // infinity or NaN; F16C sets the quiet bit of a NaN
    return bits_f32(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x00400000u : 0u));
  }
  return bits_f32(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

static inline uint16_t f32_to_fp16(float f) {
  const uint32_t x = f32_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t ax = x & 0x7FFFFFFFu;
  if (ax > 0x7F800000u) {  // NaN: quiet, keep the top mantissa bits
    return static_cast<uint16_t>(sign | 0x7E00u | ((ax >> 13) & 0x3FFu));
  }
  if (ax >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 2^16: infinity
  if (ax >= 0x38800000u) {
    // Normal in f16: rebias the exponent, then round the 13 dropped bits to nearest even.
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    uint32_t r = ax - (112u << 23);
    r += 0x0FFFu + ((r >> 13) & 1u);
    r >>= 13;
    if (r > 0x7C00u) r = 0x7C00u;
    return static_cast<uint16_t>(sign | r);
  }
  // Subnormal or zero in f16. Adding 0.5 lines the value up so that the FPU's own
  // round-to-nearest-even drops exactly the bits below 2^-24.
  const float shifted = bits_f32(ax) + 0.5f;
  return static_cast<uint16_t>(sign | (f32_bits(shifted) - 0x3F000000u));
}

static inline float bf16_to_f32(uint16_t h) { return bits_f32(static_cast<uint32_t>(h) << 16); }

static inline uint16_t f32_to_bf16(float f) {
  const uint32_t x = f32_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace nanollama::kernels
