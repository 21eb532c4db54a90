// SPDX-License-Identifier: Apache-2.0
// The scalar reference of Q8_0 panels (blocks.h): packing, reading a row back, and the
// matrix product, which unpacks each row and takes the rows layout's dot product, so both
// layouts give the same bits.
#include <cstring>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {

void pack_q8_0_panels(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                      uint8_t* out) {
  const int64_t nb = cols / kQ8_0Block;
  const size_t stride = q8_panel_stride(cols);
  for (int64_t p = p0; p < p1; ++p) {
    uint8_t* panel = out + static_cast<size_t>(p) * stride;
    std::memset(panel, 0, stride);
    for (int r = 0; r < kQ8PanelRows && p * kQ8PanelRows + r < n_rows; ++r) {
      const auto* row = reinterpret_cast<const BlockQ8_0*>(rows + static_cast<size_t>(p * kQ8PanelRows + r) * row_stride);
      for (int64_t b = 0; b < nb; ++b) {
        uint8_t* quants = panel + q8_panel_quants(b);
        for (int k = 0; k < kQ8_0Block / 4; ++k) std::memcpy(quants + k * kQ8PanelVectorBytes + 4 * r, row[b].qs + 4 * k, 4);
        std::memcpy(panel + q8_panel_scales(b) + 2 * r, &row[b].d, 2);
      }
    }
  }
}

void panel_row_q8_0(const uint8_t* panel, int64_t cols, int lane, BlockQ8_0* row) {
  const int64_t nb = cols / kQ8_0Block;
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* quants = panel + q8_panel_quants(b);
    for (int k = 0; k < kQ8_0Block / 4; ++k) std::memcpy(row[b].qs + 4 * k, quants + k * kQ8PanelVectorBytes + 4 * lane, 4);
    std::memcpy(&row[b].d, panel + q8_panel_scales(b) + 2 * lane, 2);
  }
}

void matmul_q8_0_panels(const MatmulArgs& a, int64_t n0, int64_t n1) {
  thread_local std::vector<BlockQ8_0> row;
  row.resize(static_cast<size_t>(a.cols / kQ8_0Block));
  for (int64_t n = n0; n < n1; ++n) {
    panel_row_q8_0(a.w + static_cast<size_t>(n / kQ8PanelRows) * a.w_stride, a.cols, static_cast<int>(n % kQ8PanelRows),
                   row.data());
    for (int64_t i = 0; i < a.n_act; ++i) {
      a.y[i * a.ldy + n] = dot_q8_0_row(row.data(), a.x + static_cast<size_t>(i) * a.x_stride, a.cols);
    }
  }
}

}  // namespace nanollama::kernels::ref
