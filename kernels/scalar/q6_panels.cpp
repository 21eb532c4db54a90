// SPDX-License-Identifier: Apache-2.0
// The scalar reference of Q6_K panels (blocks.h): packing, reading a row back, and the
// product, which unpacks each row and takes the rows layout's dot product.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {
namespace {

// A row's super-block as unsigned quants u = q + 32, in order (the GGUF bit layout,
// docs/WEIGHTS.md: quant 128h + 32t + l has its low nibble in ql[64h + l + 32(t & 1)],
// low or high half by t < 2, and its high pair in qh[32h + l] at bits 2t).
void unsigned_quants(const BlockQ6_K& b, uint8_t u[kSuperBlock]) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    uint8_t* out = u + 128 * h;
    for (int l = 0; l < 32; ++l) {
      out[l] = static_cast<uint8_t>((ql[l] & 15) | (qh[l] & 3) << 4);
      out[32 + l] = static_cast<uint8_t>((ql[32 + l] & 15) | ((qh[l] >> 2) & 3) << 4);
      out[64 + l] = static_cast<uint8_t>((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4);
      out[96 + l] = static_cast<uint8_t>((ql[32 + l] >> 4) | ((qh[l] >> 6) & 3) << 4);
    }
  }
}

// The inverse of unsigned_quants for one quant.
void set_quant(BlockQ6_K& b, int j, int u) {
  const int h = j / 128, t = (j % 128) / 32, l = j % 32;
  uint8_t& lo = b.ql[64 * h + l + 32 * (t & 1)];
  lo = static_cast<uint8_t>(t < 2 ? (lo & 0xF0) | (u & 15) : (lo & 0x0F) | (u & 15) << 4);
  uint8_t& hi = b.qh[32 * h + l];
  hi = static_cast<uint8_t>((hi & ~(3 << (2 * t))) | ((u >> 4) & 3) << (2 * t));
}

}  // namespace

// The quants of 16 rows are decoded into a small buffer per super-block, then written in
// the panel's order; missing rows are zero quants (and zero scales and d).
void pack_q6_k_panels(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                      uint8_t* out) {
  const int64_t nb = cols / kSuperBlock;
  const size_t stride = q6_panel_stride(cols);
  alignas(64) uint8_t u[kQ6PanelRows][kSuperBlock];
  for (int64_t p = p0; p < p1; ++p) {
    uint8_t* panel = out + static_cast<size_t>(p) * stride;
    const int present = static_cast<int>(std::min<int64_t>(kQ6PanelRows, n_rows - p * kQ6PanelRows));
    for (int64_t s = 0; s < (nb + 1) / 2 * 2; ++s) {
      uint8_t* quants = panel + q6_panel_quants(s);
      uint8_t* scales = panel + q6_panel_scales(s);
      uint8_t* d = panel + q6_panel_d(s);
      if (s == nb) {  // the last pair's missing super-block
        std::memset(quants, 0, kQ6PanelQuantBytes);
        std::memset(scales, 0, kQ6PanelScaleBytes);
        std::memset(d, 0, kQ6PanelDBytes);
        continue;
      }
      std::memset(u, 0, sizeof u);
      std::memset(scales, 0, kQ6PanelScaleBytes);
      std::memset(d, 0, kQ6PanelDBytes);
      for (int r = 0; r < present; ++r) {
        const auto& b = reinterpret_cast<const BlockQ6_K*>(rows + static_cast<size_t>(p * kQ6PanelRows + r) * row_stride)[s];
        unsigned_quants(b, u[r]);
        for (int g = 0; g < 16; ++g) scales[16 * g + r] = static_cast<uint8_t>(b.scales[g]);
        std::memcpy(d + 2 * r, &b.d, 2);
      }
      for (int g = 0; g < 16; ++g) {
        uint8_t* l0 = quants + static_cast<size_t>(g) * kQ6PanelGroupBytes;
        uint8_t* l1 = l0 + 64;
        uint8_t* h = l0 + 128;
        for (int r = 0; r < kQ6PanelRows; ++r) {
          const uint8_t* q = u[r] + 16 * g;
          for (int k = 0; k < 4; ++k) {
            l0[4 * r + k] = static_cast<uint8_t>((q[k] & 15) | (q[4 + k] & 15) << 4);
            l1[4 * r + k] = static_cast<uint8_t>((q[8 + k] & 15) | (q[12 + k] & 15) << 4);
            h[4 * r + k] = static_cast<uint8_t>(q[k] >> 4 | (q[4 + k] >> 4) << 2 | (q[8 + k] >> 4) << 4 | (q[12 + k] >> 4) << 6);
          }
        }
      }
    }
  }
}

void panel_row_q6_k(const uint8_t* panel, int64_t cols, int lane, BlockQ6_K* row) {
  const int64_t nb = cols / kSuperBlock;
  for (int64_t s = 0; s < nb; ++s) {
    BlockQ6_K& b = row[s];
    std::memset(&b, 0, sizeof b);
    for (int g = 0; g < 16; ++g) {
      const uint8_t* group = panel + q6_panel_quants(s) + static_cast<size_t>(g) * kQ6PanelGroupBytes;
      for (int k = 0; k < 4; ++k) {
        const int l0 = group[4 * lane + k], l1 = group[64 + 4 * lane + k], h = group[128 + 4 * lane + k];
        set_quant(b, 16 * g + k, (l0 & 15) | (h & 3) << 4);
        set_quant(b, 16 * g + 4 + k, (l0 >> 4) | ((h >> 2) & 3) << 4);
        set_quant(b, 16 * g + 8 + k, (l1 & 15) | ((h >> 4) & 3) << 4);
        set_quant(b, 16 * g + 12 + k, (l1 >> 4) | ((h >> 6) & 3) << 4);
      }
      b.scales[g] = static_cast<int8_t>(panel[q6_panel_scales(s) + static_cast<size_t>(16 * g + lane)]);
    }
    std::memcpy(&b.d, panel + q6_panel_d(s) + 2 * lane, 2);
  }
}

void matmul_q6_k_panels(const MatmulArgs& a, int64_t n0, int64_t n1) {
  thread_local std::vector<BlockQ6_K> row;
  row.resize(static_cast<size_t>(a.cols / kSuperBlock));
  for (int64_t n = n0; n < n1; ++n) {
    panel_row_q6_k(a.w + static_cast<size_t>(n / kQ6PanelRows) * a.w_stride, a.cols, static_cast<int>(n % kQ6PanelRows),
                   row.data());
    for (int64_t i = 0; i < a.n_act; ++i) {
      a.y[i * a.ldy + n] = dot_q6_k_row(row.data(), a.x + static_cast<size_t>(i) * a.x_stride, a.cols);
    }
  }
}

}  // namespace nanollama::kernels::ref
