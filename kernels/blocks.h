// Block layouts of the quantized formats (FORMATS.md §3), byte for byte as in GGUF files.
// Plain structs only: no functions, so this header is safe to include in any per-ISA file.
#pragma once

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

}  // namespace nanollama::kernels
