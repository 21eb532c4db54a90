// SPDX-License-Identifier: Apache-2.0
// The x86 paths' registry entries: detection, and each path's table as the per-ISA
// translation units fill it. Compiled with the project's generic flags: it only calls the
// fill_* functions, which copy pointers, and never runs kernel code itself.
//
// Detection uses the compiler's __builtin_cpu_supports (which also checks that the OS saves
// the AVX / AVX-512 register state), not xsimd's, which misreads the AVX bit on some CPUs.
#include <cpuid.h>

#include <string_view>
#include <vector>

#include "kernels/isa_registry.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

// F16C. GCC's __builtin_cpu_supports knows "f16c"; clang 14's does not, so the bit is read
// from CPUID leaf 1 (ECX bit 29). Its register state is AVX's, which the "avx2" check covers.
bool cpu_has_f16c() noexcept {
#if defined(__clang__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
#else
  return __builtin_cpu_supports("f16c");
#endif
}

}  // namespace

bool x86_can_run_avx2() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
}

bool x86_can_run_avx512() noexcept {
  return x86_can_run_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512cd");
}

bool x86_can_run_avx512vnni() noexcept { return x86_can_run_avx512() && __builtin_cpu_supports("avx512vnni"); }

void fill_avx2(KernelTable& t) {
  fill_avx2_float(t);
  fill_avx2_quant(t);
}

void fill_avx512(KernelTable& t) {
  fill_avx512_float(t);
  fill_avx512_quant(t);
}

// VNNI only changes the integer kernels; the float ones are the AVX-512 ones, but for the
// lossy BF16-pairs product, which takes vdpbf16ps where the CPU has AVX512-BF16 (every CPU
// with it has VNNI). Forcing the avx512 path keeps the FMA version of that product testable
// on the same machine; both give the same bits (kernels/simd/float_kernels.inl).
void fill_avx512vnni(KernelTable& t) {
  fill_avx512(t);
  fill_avx512vnni_quant(t);
  if (__builtin_cpu_supports("avx512bf16")) fill_avx512bf16_float(t);
}

void append_cpu_features(std::vector<std::string_view>& out) {
  __builtin_cpu_init();
  // __builtin_cpu_supports needs string literals, hence the list written out.
  if (__builtin_cpu_supports("avx2")) out.push_back("avx2");
  if (__builtin_cpu_supports("fma")) out.push_back("fma");
  if (cpu_has_f16c()) out.push_back("f16c");
  if (__builtin_cpu_supports("avx512f")) out.push_back("avx512f");
  if (__builtin_cpu_supports("avx512cd")) out.push_back("avx512cd");
  if (__builtin_cpu_supports("avx512dq")) out.push_back("avx512dq");
  if (__builtin_cpu_supports("avx512bw")) out.push_back("avx512bw");
  if (__builtin_cpu_supports("avx512vl")) out.push_back("avx512vl");
  if (__builtin_cpu_supports("avx512vnni")) out.push_back("avx512vnni");
  if (__builtin_cpu_supports("avx512bf16")) out.push_back("avx512bf16");
}

}  // namespace nanollama::kernels
