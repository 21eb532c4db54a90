// SPDX-License-Identifier: Apache-2.0
// The AArch64 paths' registry entries: detection, and each path's table as the per-ISA
// translation units fill it. Advanced SIMD (NEON), with its f16 <-> f32 conversions, is part
// of every AArch64 CPU; the dot-product extension (SDOT, ARMv8.2's FEAT_DotProd, optional
// before ARMv8.4) is asked of the OS: getauxval(AT_HWCAP) on Linux, sysctlbyname on macOS.
#if defined(__linux__)
#include <sys/auxv.h>
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#endif

#include <string_view>
#include <vector>

#include "kernels/arm/arm_kernels.h"
#include "kernels/isa_registry.h"

namespace nanollama::kernels {
namespace {

// Linux's AArch64 hwcap bits (arch/arm64/include/uapi/asm/hwcap.h).
[[maybe_unused]] constexpr unsigned long kHwcapAsimd = 1ul << 1;
[[maybe_unused]] constexpr unsigned long kHwcapAsimdDp = 1ul << 20;

#if defined(__APPLE__)
bool sysctl_flag(const char* name) noexcept {
  int value = 0;
  size_t size = sizeof value;
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}
#endif

bool has_asimd() noexcept {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & kHwcapAsimd) != 0;
#else
  return true;  // every AArch64 CPU macOS runs on
#endif
}

bool has_dotprod() noexcept {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & kHwcapAsimdDp) != 0;
#elif defined(__APPLE__)
  return sysctl_flag("hw.optional.arm.FEAT_DotProd");
#else
  return false;
#endif
}

}  // namespace

bool arm_can_run_neon() noexcept { return has_asimd(); }
bool arm_can_run_neon_dotprod() noexcept { return has_asimd() && has_dotprod(); }

void fill_neon(KernelTable& t) {
  fill_neon_float(t);
  fill_neon_quant(t);
}

// The dot product only changes the integer kernels.
void fill_neon_dotprod(KernelTable& t) {
  fill_neon_float(t);
  fill_neon_dotprod_quant(t);
}

void append_cpu_features(std::vector<std::string_view>& out) {
  if (has_asimd()) out.push_back("neon");
  if (has_dotprod()) out.push_back("dotprod");
}

}  // namespace nanollama::kernels
