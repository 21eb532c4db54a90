// SPDX-License-Identifier: Apache-2.0
// Instruction-set detection and the choice of the active path.
//
// Detection uses the compiler's __builtin_cpu_supports (which also checks that the OS saves
// the AVX / AVX-512 register state), not xsimd's, which misreads the AVX bit on some CPUs.
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "kernels/dispatch.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

#if defined(NANOLLAMA_X86_KERNELS)
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
#endif

bool cpu_can_run(Isa isa) noexcept {
#if defined(NANOLLAMA_X86_KERNELS)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512cd");
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return avx2;
    case Isa::avx512: return avx512;
    case Isa::avx512vnni: return avx512 && __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return isa == Isa::scalar;
#endif
}

const KernelTable& table_of(Isa isa) noexcept {
#if defined(NANOLLAMA_X86_KERNELS)
  switch (isa) {
    case Isa::scalar: return scalar_table();
    case Isa::avx2: return avx2_table();
    case Isa::avx512: return avx512_table();
    case Isa::avx512vnni: return avx512vnni_table();
  }
#else
  (void)isa;
#endif
  return scalar_table();
}

std::atomic<const KernelTable*> g_active{nullptr};
std::once_flag g_init_once;

// The first use reads NANOLLAMA_ISA. An unknown or unsupported name is not fatal (a library
// must not abort its host): it is reported once on stderr and the best path is used.
void init_active() noexcept {
  Isa chosen = best_isa();
  if (const char* env = std::getenv("NANOLLAMA_ISA"); env != nullptr && *env != '\0') {
    if (auto isa = parse_isa(env)) {
      if (isa_supported(*isa)) {
        chosen = *isa;
      } else {
        std::fprintf(stderr, "nanollama: NANOLLAMA_ISA=%s is not supported on this CPU; using %s\n", env,
                     std::string(isa_name(chosen)).c_str());
      }
    } else {
      std::fprintf(stderr, "nanollama: ignoring unknown NANOLLAMA_ISA=%s (known: scalar avx2 avx512 avx512vnni); using %s\n",
                   env, std::string(isa_name(chosen)).c_str());
    }
  }
  g_active.store(&table_of(chosen), std::memory_order_release);
}

}  // namespace

std::vector<std::string_view> cpu_features() {
  std::vector<std::string_view> out;
#if defined(NANOLLAMA_X86_KERNELS)
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
#endif
  return out;
}

std::string_view isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::avx512vnni: return "avx512vnni";
  }
  return "unknown";
}

std::optional<Isa> parse_isa(std::string_view name) noexcept {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::avx512vnni}) {
    if (isa_name(isa) == name) return isa;
  }
  return std::nullopt;
}

bool isa_supported(Isa isa) noexcept { return cpu_can_run(isa); }

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::avx512vnni}) {
    if (isa_supported(isa)) out.push_back(isa);
  }
  return out;
}

Isa best_isa() noexcept {
  Isa best = Isa::scalar;
  for (Isa isa : {Isa::avx2, Isa::avx512, Isa::avx512vnni}) {
    if (isa_supported(isa)) best = isa;
  }
  return best;
}

const KernelTable& active_table() noexcept {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t == nullptr) {
    std::call_once(g_init_once, init_active);
    t = g_active.load(std::memory_order_acquire);
  }
  return *t;
}

Isa active_isa() noexcept { return active_table().isa; }

void set_isa(Isa isa) {
  if (!isa_supported(isa)) {
    throw Error(ErrorCode::unsupported, "kernels: instruction-set path '" + std::string(isa_name(isa)) +
                                            "' is not supported by this CPU or build");
  }
  std::call_once(g_init_once, init_active);  // so a later first use cannot undo the choice
  g_active.store(&table_of(isa), std::memory_order_release);
}

}  // namespace nanollama::kernels
