// SPDX-License-Identifier: Apache-2.0
// The instruction-set paths: one row each, in one list (isa_registry.cpp). Adding a path is
// adding its kernel files and one row there. Internal to the kernel layer.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "kernels/dispatch.h"

namespace nanollama::kernels {

struct IsaRow {
  Isa isa;
  std::string_view name;  // NANOLLAMA_ISA spelling
  // Whether this CPU and OS can run the path; null when the path is not compiled into this
  // build (another architecture's path).
  bool (*can_run)() noexcept;
  // Writes the path's kernels over a copy of the scalar table (entries a path leaves alone
  // stay scalar); null for the scalar path itself.
  void (*fill)(KernelTable& table);
};

// Every path, in ascending order of preference: the best one a CPU can run is the last such.
std::span<const IsaRow> isa_rows() noexcept;
// The row of `isa` (every enumerator has one).
const IsaRow& isa_row(Isa isa) noexcept;

// Per-architecture feature lists for cpu_features() (kernels/x86/detect_x86.cpp,
// kernels/arm/detect_arm.cpp); empty elsewhere.
void append_cpu_features(std::vector<std::string_view>& out);

}  // namespace nanollama::kernels
