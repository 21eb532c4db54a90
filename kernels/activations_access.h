// SPDX-License-Identifier: Apache-2.0
// The handshake between Activations::prepare and the matrix-product driver: prepare may also
// write the Q8_0 rows in the activation layout of the active path's panel kernels
// (MatmulOps::pack), and records which path's; the driver takes that form only for a product
// of the same path whose kernel packs that way, and otherwise packs itself. Internal to the
// kernel layer.
#pragma once

#include "kernels/dispatch.h"

namespace nanollama::kernels {

struct ActivationsAccess {
  // The activations in the layout `ops` (a product of `table`) takes, if prepare made it.
  static const uint8_t* packed_for(const Activations& x, const KernelTable& table, const MatmulOps& ops) noexcept {
    const bool same = x.packed_by_ == table.isa && ops.pack != nullptr && ops.pack == table.matmul_q8_0_panels.pack;
    return same ? x.packed_ : nullptr;
  }
};

}  // namespace nanollama::kernels
