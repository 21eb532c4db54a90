// SPDX-License-Identifier: Apache-2.0
// Block layouts of the quantized formats (docs/WEIGHTS.md), byte for byte as in GGUF files,
// and nanollama's own Q8_0 panels. Plain structs and static functions only, so this header
// is safe to include in any per-ISA file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nanollama::kernels {

inline constexpr int kQ8_0Block = 32;
inline constexpr int kSuperBlock = 256;  // the K-quant super-block (Q6_K, Q8_K)

// Q8_0: one f16 scale, 32 signed bytes. 34 bytes, 2-byte aligned.
struct BlockQ8_0 {
  uint16_t d;  // f16
  int8_t qs[kQ8_0Block];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block must be 34 bytes");

// Q6_K: 6-bit quants split into low nibbles (ql) and high pairs (qh), sixteen int8 group
// scales, and the f16 super-block scale last. 210 bytes, 2-byte aligned.
struct BlockQ6_K {
  uint8_t ql[kSuperBlock / 2];
  uint8_t qh[kSuperBlock / 4];
  int8_t scales[kSuperBlock / 16];
  uint16_t d;  // f16
};
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block must be 210 bytes");

// Q8_K (activations): an f32 scale, 256 signed bytes, and the sums of each 16 of them.
struct BlockQ8_K {
  float d;
  int8_t qs[kSuperBlock];
  int16_t bsums[kSuperBlock / 16];
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block must be 292 bytes");

// Q8_0 panels (MatrixLayout::q8_0_panels): 16 rows side by side, their blocks in pairs. A
// pair holds block 2m's eight 64-byte quant vectors (vector k: bytes 4k..4k+3 of row r's
// quants at bytes 4r..4r+3), then block 2m+1's, then each of the two blocks' 16 f16 scales
// (row r's at r): 1088 bytes, so that a panel is read as one stream and every vector is
// 64-byte aligned. A missing last block (odd block count) and rows missing from the last
// panel are zero.
inline constexpr int kQ8PanelRows = 16;
inline constexpr int kQ8PanelVectorBytes = 64;
inline constexpr int kQ8PanelQuantBytes = 8 * kQ8PanelVectorBytes;  // one block's vectors
inline constexpr int kQ8PanelScaleBytes = kQ8PanelRows * 2;          // one block's scales
inline constexpr int kQ8PanelPairBytes = 2 * (kQ8PanelQuantBytes + kQ8PanelScaleBytes);
static_assert(kQ8PanelPairBytes % 64 == 0, "pairs keep the vectors aligned");
// Offsets within a panel of block b's quant vectors and scales, and the bytes of a panel.
static inline size_t q8_panel_quants(int64_t b) {
  return static_cast<size_t>(b / 2) * kQ8PanelPairBytes + static_cast<size_t>(b % 2) * kQ8PanelQuantBytes;
}
static inline size_t q8_panel_scales(int64_t b) {
  return static_cast<size_t>(b / 2) * kQ8PanelPairBytes + 2 * kQ8PanelQuantBytes + static_cast<size_t>(b % 2) * kQ8PanelScaleBytes;
}
static inline size_t q8_panel_stride(int64_t cols) {
  return static_cast<size_t>((cols / kQ8_0Block + 1) / 2) * kQ8PanelPairBytes;
}

}  // namespace nanollama::kernels
