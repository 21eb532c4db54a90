// Block layouts of the quantized formats (FORMATS.md §3), byte for byte as in GGUF files,
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

// Q8_0 panels (MatrixLayout::q8_0_panels): 16 rows side by side. A panel holds, for each
// block b in order, eight 64-byte vectors (vector k: bytes 4k..4k+3 of row r's quants at
// bytes 4r..4r+3), then, after all blocks, each block's 16 f16 scales (row r's at r). Rows
// missing from the last panel are zero. Panels are padded to 64 bytes.
inline constexpr int kQ8PanelRows = 16;
inline constexpr int kQ8PanelVectorBytes = 64;
inline constexpr int kQ8PanelQuantBytes = 8 * kQ8PanelVectorBytes;     // one block of a panel
inline constexpr int kQ8PanelScaleBytes = kQ8PanelRows * 2;
static inline size_t q8_panel_stride(int64_t cols) {
  const auto nb = static_cast<size_t>(cols / kQ8_0Block);
  return (nb * (kQ8PanelQuantBytes + kQ8PanelScaleBytes) + 63) / 64 * 64;
}

}  // namespace nanollama::kernels
