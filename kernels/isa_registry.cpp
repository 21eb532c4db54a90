// SPDX-License-Identifier: Apache-2.0
// The list of instruction-set paths, written once. A path of another architecture keeps its
// row (its name stays parseable and printable everywhere) with null can_run and fill.
#include "kernels/isa_registry.h"

#include <array>

#if defined(NANOLLAMA_X86_KERNELS)
#include "kernels/x86/x86_kernels.h"
#endif
#if defined(NANOLLAMA_ARM_KERNELS)
#include "kernels/arm/arm_kernels.h"
#endif

namespace nanollama::kernels {
namespace {

bool always() noexcept { return true; }

#if defined(NANOLLAMA_X86_KERNELS)
#define NANOLLAMA_X86_ROW(isa, name, can_run, fill) IsaRow{isa, name, can_run, fill}
#else
#define NANOLLAMA_X86_ROW(isa, name, can_run, fill) IsaRow{isa, name, nullptr, nullptr}
#endif
#if defined(NANOLLAMA_ARM_KERNELS)
#define NANOLLAMA_ARM_ROW(isa, name, can_run, fill) IsaRow{isa, name, can_run, fill}
#else
#define NANOLLAMA_ARM_ROW(isa, name, can_run, fill) IsaRow{isa, name, nullptr, nullptr}
#endif

constexpr std::array kRows = {
    IsaRow{Isa::scalar, "scalar", always, nullptr},
    NANOLLAMA_X86_ROW(Isa::avx2, "avx2", x86_can_run_avx2, fill_avx2),
    NANOLLAMA_X86_ROW(Isa::avx512, "avx512", x86_can_run_avx512, fill_avx512),
    NANOLLAMA_X86_ROW(Isa::avx512vnni, "avx512vnni", x86_can_run_avx512vnni, fill_avx512vnni),
    NANOLLAMA_ARM_ROW(Isa::neon, "neon", arm_can_run_neon, fill_neon),
    NANOLLAMA_ARM_ROW(Isa::neon_dotprod, "neon-dotprod", arm_can_run_neon_dotprod, fill_neon_dotprod),
};

#undef NANOLLAMA_X86_ROW
#undef NANOLLAMA_ARM_ROW

}  // namespace

#if !defined(NANOLLAMA_X86_KERNELS) && !defined(NANOLLAMA_ARM_KERNELS)
void append_cpu_features(std::vector<std::string_view>&) {}  // scalar-only builds
#endif

std::span<const IsaRow> isa_rows() noexcept { return kRows; }

const IsaRow& isa_row(Isa isa) noexcept {
  for (const auto& row : kRows) {
    if (row.isa == isa) return row;
  }
  return kRows[0];  // unreachable for enumerators (a test checks every one has a row)
}

}  // namespace nanollama::kernels
