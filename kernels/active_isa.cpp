// SPDX-License-Identifier: Apache-2.0
// The choice of the active path: NANOLLAMA_ISA, set_isa, and the public queries, all read
// from the registry (isa_registry.cpp), so no list of paths is written here.
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "kernels/dispatch.h"
#include "kernels/isa_registry.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

constexpr size_t kMaxPaths = 8;

// Every compiled path's table, built once: a copy of the scalar table that the path's fill
// function overwrites.
struct Tables {
  std::array<KernelTable, kMaxPaths> table{};
  Tables() {
    const auto rows = isa_rows();
    for (size_t i = 0; i < rows.size() && i < kMaxPaths; ++i) {
      table[i] = scalar_table();
      table[i].isa = rows[i].isa;
      if (rows[i].can_run != nullptr && rows[i].fill != nullptr) rows[i].fill(table[i]);
    }
  }
};

const KernelTable& table_of(Isa isa) noexcept {
  static const Tables tables;
  const auto rows = isa_rows();
  for (size_t i = 0; i < rows.size() && i < kMaxPaths; ++i) {
    if (rows[i].isa == isa) return tables.table[i];
  }
  return scalar_table();
}

std::string known_names() {
  std::string out;
  for (const auto& row : isa_rows()) {
    if (row.can_run == nullptr) continue;
    out += out.empty() ? "" : " ";
    out += row.name;
  }
  return out;
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
      std::fprintf(stderr, "nanollama: ignoring unknown NANOLLAMA_ISA=%s (known: %s); using %s\n", env,
                   known_names().c_str(), std::string(isa_name(chosen)).c_str());
    }
  }
  g_active.store(&table_of(chosen), std::memory_order_release);
}

}  // namespace

std::vector<std::string_view> cpu_features() {
  std::vector<std::string_view> out;
  append_cpu_features(out);
  return out;
}

std::string_view isa_name(Isa isa) noexcept { return isa_row(isa).isa == isa ? isa_row(isa).name : "unknown"; }

std::optional<Isa> parse_isa(std::string_view name) noexcept {
  for (const auto& row : isa_rows()) {
    if (row.name == name) return row.isa;
  }
  return std::nullopt;
}

bool isa_supported(Isa isa) noexcept {
  const IsaRow& row = isa_row(isa);
  return row.isa == isa && row.can_run != nullptr && row.can_run();
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (const auto& row : isa_rows()) {
    if (isa_supported(row.isa)) out.push_back(row.isa);
  }
  return out;
}

Isa best_isa() noexcept {
  Isa best = Isa::scalar;
  for (const auto& row : isa_rows()) {
    if (isa_supported(row.isa)) best = row.isa;
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
