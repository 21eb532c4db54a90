// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the kernel tests: random data, a guard that restores the active
// instruction-set path, and the error budgets the tests hold every path to.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nanollama/error.h"
#include "nanollama/kernels.h"

namespace nanollama::kernels::testing {

using nanollama::Error;

// Unit roundoff of f32.
inline constexpr double kU = 1.0 / 16777216.0;  // 2^-24

// Restores the path that was active when it was created.
class IsaGuard {
 public:
  IsaGuard() : saved_(active_isa()) {}
  ~IsaGuard() { set_isa(saved_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa saved_;
};

inline std::string isa_label(Isa isa) { return "path " + std::string(isa_name(isa)); }

inline std::vector<float> random_floats(std::mt19937& rng, int64_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// A float's bits, and the float of some bits.
inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Round-off budget of a sum of n products computed in f32 in any order, with or without
// FMA: |computed - exact| <= (n + 2) · u · Σ|terms| (the classical γ_n bound, plus slack
// for the final conversion). `abs_sum` is Σ|terms|.
inline double sum_budget(int64_t n, double abs_sum) { return (static_cast<double>(n) + 2.0) * kU * abs_sum + 1e-30; }

}  // namespace nanollama::kernels::testing
