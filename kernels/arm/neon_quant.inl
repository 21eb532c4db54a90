// SPDX-License-Identifier: Apache-2.0
// Integer matrix products (Q8_0 x Q8_0, Q6_K x Q8_K) for the AArch64 paths, written once over
// a hook type H with one hook (the NeonDotHooks concept, kernels/arm/neon_hooks.h): dot4,
// SDOT with the dot-product extension, widening multiplies and pairwise adds without it.
// Included INSIDE the anonymous namespace of neon_quant.cpp and neon_dotprod_quant.cpp.
// Each output is the reference's arithmetic step for step (kernels/scalar/dot.cpp): per
// block the exact integer dot, then sum += (d_w · d_x) · dot, so every batch, every row
// split and both layouts (panels are read back row by row) give the same bits as the scalar
// path on this machine.

template <NeonDotHooks H>
struct NeonQuantKernels {
  // An f16 scale as a float: FCVT, exact like the reference's fp16_to_f32 (the tests check all
  // 65,536 codes through the same instruction in load_f16).
  static inline float f16_scale(uint16_t h) { return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0); }

  // The exact dot of two Q8_0 blocks' quants.
  static inline int32_t q8_block_dot(const int8_t* w, const int8_t* x) {
    int32x4_t acc = H::dot4(vdupq_n_s32(0), vld1q_s8(w), vld1q_s8(x));
    acc = H::dot4(acc, vld1q_s8(w + 16), vld1q_s8(x + 16));
    return vaddvq_s32(acc);
  }

  static float q8_0_row_dot(const BlockQ8_0* w, const BlockQ8_0* x, int64_t nb) {
    float sum = 0.0f;
    for (int64_t b = 0; b < nb; ++b) {
      __builtin_prefetch(reinterpret_cast<const char*>(w + b) + kStreamAheadBytes);
      const int32_t isum = q8_block_dot(w[b].qs, x[b].qs);
      sum += f16_scale(w[b].d) * f16_scale(x[b].d) * static_cast<float>(isum);
    }
    return sum;
  }

  // The exact dot of a Q6_K super-block with a Q8_K one: the 6-bit quants decoded 16 at a time
  // (blocks.h: per 128 quants, ql holds the low nibbles of groups of 32 in two 32-byte runs, low
  // then high nibbles, and qh the top two bits of four groups), minus 32, against the
  // activation bytes; each 16-quant group's sum times its scale.
  static inline int32_t q6_superblock_dot(const BlockQ6_K& blk, const BlockQ8_K& x) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(0x03);
    const int8x16_t offset = vdupq_n_s8(32);
    int32_t isum = 0;
    for (int h = 0; h < 2; ++h) {
      for (int l0 = 0; l0 < 32; l0 += 16) {
        const uint8x16_t a = vld1q_u8(blk.ql + 64 * h + l0);
        const uint8x16_t b = vld1q_u8(blk.ql + 64 * h + 32 + l0);
        const uint8x16_t hb = vld1q_u8(blk.qh + 32 * h + l0);
        const uint8x16_t q[4] = {
            vorrq_u8(vandq_u8(a, m4), vshlq_n_u8(vandq_u8(hb, m3), 4)),
            vorrq_u8(vandq_u8(b, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), m3), 4)),
            vorrq_u8(vshrq_n_u8(a, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), m3), 4)),
            vorrq_u8(vshrq_n_u8(b, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
        };
        for (int g = 0; g < 4; ++g) {
          const int j = 128 * h + 32 * g + l0;  // the group's first quant
          const int8x16_t w = vsubq_s8(vreinterpretq_s8_u8(q[g]), offset);
          const int32_t group = vaddvq_s32(H::dot4(vdupq_n_s32(0), w, vld1q_s8(x.qs + j)));
          isum += int32_t{blk.scales[j / 16]} * group;
        }
      }
    }
    return isum;
  }

  static float q6_k_row_dot(const BlockQ6_K* w, const BlockQ8_K* x, int64_t nb) {
    float sum = 0.0f;
    for (int64_t b = 0; b < nb; ++b) {
      const char* ahead = reinterpret_cast<const char*>(w + b) + kStreamAheadBytes;
      for (int line = 0; line < static_cast<int>(sizeof(BlockQ6_K)); line += 64) __builtin_prefetch(ahead + line);
      sum += f16_scale(w[b].d) * x[b].d * static_cast<float>(q6_superblock_dot(w[b], x[b]));
    }
    return sum;
  }

  template <class WBlock, class XBlock, float (*RowDot)(const WBlock*, const XBlock*, int64_t)>
  static void matmul_rows(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const int64_t nb = a.cols / (sizeof(XBlock) == sizeof(BlockQ8_0) ? kQ8_0Block : kSuperBlock);
    for (int64_t n = n0; n < n1; ++n) {
      const auto* w = reinterpret_cast<const WBlock*>(a.w + static_cast<size_t>(n) * a.w_stride);
      for (int64_t i = 0; i < a.n_act; ++i) {
        a.y[i * a.ldy + n] = RowDot(w, reinterpret_cast<const XBlock*>(a.x + static_cast<size_t>(i) * a.x_stride), nb);
      }
    }
  }

  // A thread's buffer for one row read back from panels. Plain malloc rather than a standard
  // container: everything in this file has internal linkage, so no instance compiled with this
  // path's flags can become the copy a generic caller links to (docs/KERNELS.md, "Dispatch").
  struct RowBuffer {
    void* data = nullptr;
    size_t bytes = 0;
    RowBuffer() = default;
    RowBuffer(const RowBuffer&) = delete;
    RowBuffer& operator=(const RowBuffer&) = delete;
    ~RowBuffer() { std::free(data); }
    void* reserve(size_t need) {
      if (need > bytes) {
        void* grown = std::realloc(data, need);
        if (grown == nullptr) throw std::bad_alloc();
        data = grown;
        bytes = need;
      }
      return data;
    }
  };

  // Panels: each row read back into the rows layout (in L1), then the rows kernel's dot.
  template <class WBlock, class XBlock, float (*RowDot)(const WBlock*, const XBlock*, int64_t),
            void (*ReadRow)(const uint8_t*, int64_t, int, WBlock*)>
  static void matmul_panels(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const int64_t nb = a.cols / (sizeof(XBlock) == sizeof(BlockQ8_0) ? kQ8_0Block : kSuperBlock);
    thread_local RowBuffer buffer;
    auto* row = static_cast<WBlock*>(buffer.reserve(static_cast<size_t>(nb) * sizeof(WBlock)));
    for (int64_t n = n0; n < n1; ++n) {
      ReadRow(a.w + static_cast<size_t>(n / kQ8PanelRows) * a.w_stride, a.cols, static_cast<int>(n % kQ8PanelRows),
              row);
      for (int64_t i = 0; i < a.n_act; ++i) {
        a.y[i * a.ldy + n] = RowDot(row, reinterpret_cast<const XBlock*>(a.x + static_cast<size_t>(i) * a.x_stride), nb);
      }
    }
  }

  static void fill(KernelTable& t) {
    t.matmul_q8_0 = {matmul_rows<BlockQ8_0, BlockQ8_0, q8_0_row_dot>};
    t.matmul_q6_k = {matmul_rows<BlockQ6_K, BlockQ8_K, q6_k_row_dot>};
    t.matmul_q8_0_panels = {matmul_panels<BlockQ8_0, BlockQ8_0, q8_0_row_dot, ref::panel_row_q8_0>};
    t.matmul_q6_k_panels = {matmul_panels<BlockQ6_K, BlockQ8_K, q6_k_row_dot, ref::panel_row_q6_k>};
  }
};
