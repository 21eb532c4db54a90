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

// Q6_K panels (MatrixLayout::q6_k_panels): 16 rows side by side, super-blocks in pairs; the
// same bytes as the rows, rearranged, so that one SIMD lane holds one row and a product
// needs no horizontal sums. Quant u = q + 32 (0..63, the unsigned 6-bit value the file
// stores). For group g (quants 16g..16g+15 of a super-block) the lanes hold, per row r at
// bytes 4r..4r+3 of three 64-byte vectors:
//   L0: byte b = (u[16g+b] & 15) | (u[16g+4+b] & 15) << 4
//   L1: byte b = (u[16g+8+b] & 15) | (u[16g+12+b] & 15) << 4
//   H:  byte b = u[16g+b] >> 4 | (u[16g+4+b] >> 4) << 2 | (u[16g+8+b] >> 4) << 4 | (u[16g+12+b] >> 4) << 6
// so four shifts and masks give the four dword vectors of the group. A super-block's
// quants are its 16 groups in order (3072 bytes); a pair of super-blocks is super-block
// 2m's quants, 2m+1's, then 2m's 16x16 int8 group scales (group g's at 16g, row r at r),
// 2m+1's, then 2m's 16 f16 scales d (row r's at 2r), 2m+1's: 6720 bytes, every vector
// 64-byte aligned. A missing last super-block and rows missing from the last panel are zero.
inline constexpr int kQ6PanelRows = 16;
inline constexpr int kQ6PanelGroupBytes = 3 * 64;
inline constexpr int kQ6PanelQuantBytes = 16 * kQ6PanelGroupBytes;     // one super-block's quants
inline constexpr int kQ6PanelScaleBytes = 16 * kQ6PanelRows;           // one super-block's group scales
inline constexpr int kQ6PanelDBytes = 2 * kQ6PanelRows;                 // one super-block's d
inline constexpr int kQ6PanelPairBytes = 2 * (kQ6PanelQuantBytes + kQ6PanelScaleBytes + kQ6PanelDBytes);
static_assert(kQ6PanelPairBytes % 64 == 0, "pairs keep the vectors aligned");
static_assert(kQ6PanelPairBytes / 2 == kQ6PanelRows * 210, "the same bytes as the rows");
static inline size_t q6_panel_quants(int64_t s) {
  return static_cast<size_t>(s / 2) * kQ6PanelPairBytes + static_cast<size_t>(s % 2) * kQ6PanelQuantBytes;
}
static inline size_t q6_panel_scales(int64_t s) {
  return static_cast<size_t>(s / 2) * kQ6PanelPairBytes + 2 * kQ6PanelQuantBytes + static_cast<size_t>(s % 2) * kQ6PanelScaleBytes;
}
static inline size_t q6_panel_d(int64_t s) {
  return static_cast<size_t>(s / 2) * kQ6PanelPairBytes + 2 * (kQ6PanelQuantBytes + kQ6PanelScaleBytes) +
         static_cast<size_t>(s % 2) * kQ6PanelDBytes;
}
static inline size_t q6_panel_stride(int64_t cols) {
  return static_cast<size_t>((cols / kSuperBlock + 1) / 2) * kQ6PanelPairBytes;
}

// BF16 pairs (MatrixLayout::bf16_pairs), the lossy product's weights: BF16 rows in panels of
// kBf16PanelRows. Pair p of a panel holds its rows' elements 2p and 2p+1 as 32-bit lanes,
// row r's at lane r (element 2p in the low half): one 64-byte vector per pair, the pairs in
// order, so a panel is read as one stream and one vector instruction multiplies 16 rows by a
// broadcast pair of activations. An odd row length pairs its last element with zero; rows
// missing from the last panel are zero. The activations are rounded to BF16 and packed row
// after row, each padded with a zero to whole pairs.
inline constexpr int kBf16PanelRows = 16;
static inline int64_t bf16_pair_count(int64_t cols) { return (cols + 1) / 2; }
static inline int64_t bf16_pairs_padded_cols(int64_t cols) { return 2 * bf16_pair_count(cols); }
static inline size_t bf16_panel_stride(int64_t cols) {
  return static_cast<size_t>(bf16_pair_count(cols)) * kBf16PanelRows * 4;
}

}  // namespace nanollama::kernels
