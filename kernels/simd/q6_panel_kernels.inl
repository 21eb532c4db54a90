// SPDX-License-Identifier: Apache-2.0
// Q6_K products on panels (blocks.h, "Q6_K panels"), written once over an ISA's hook type H
// (the Q6PanelHooks concept, kernels/simd/quant_hooks.h), beside QuantKernels<H>, whose
// sub-panel shape they share; included like quant_kernels.inl.
//
// One lane is one weight row, so the arithmetic needs no horizontal sums: per group,
// t = -32 · Σx (the quants' offset) + Σ u·x over the group's four dwords, exact in int32;
// the super-block's dot is Σ_groups scale · t; then one FMA per super-block into the
// output's chain, acc = fma(float(dot), d_w · d_x, acc): exactly q6_tile's arithmetic on
// rows, so both layouts, every batch and every split give the same bits.

template <Q6PanelHooks H>
struct Q6PanelKernels {
  using IV = typename H::IV;
  using FV = typename H::FV;
  static constexpr int kQ8Lanes = QuantKernels<H>::kQ8Lanes;
  static constexpr int kQ8SubPanels = QuantKernels<H>::kQ8SubPanels;
  static constexpr int kQ6PanelC = H::kQ6PanelC;
  static constexpr int kQ6PanelFewC = H::kQ6PanelFewC;

  // kQ8Lanes rows of a Q6_K panel (a sub-panel: the whole panel on 512-bit paths, half of it
  // on 256-bit ones).
  struct Q6SubPanel {
    const uint8_t* panel;
    size_t first_lane;  // of the panel's 16 (quant vectors hold 4 bytes a lane, scales 1, d 2)
  };
  static Q6SubPanel q6_sub_panel(const uint8_t* panels, size_t stride, int64_t s) {
    return {panels + static_cast<size_t>(s / kQ8SubPanels) * stride, static_cast<size_t>(s % kQ8SubPanels) * kQ8Lanes};
  }

  // The activations' packed form (MatmulOps): per activation row and super-block, each
  // group's -32 · Σx (the offset of the unsigned quants), ready to start a lane's sum as a
  // broadcast from memory; the quants themselves are read from the Q8_K rows as they are.
  struct alignas(64) Q6PackedX {
    int32_t offset[16];
  };
  static size_t q6_panels_x_bytes(const MatmulArgs& a) {
    return static_cast<size_t>(a.n_act * (a.cols / kSuperBlock)) * sizeof(Q6PackedX);
  }
  static void q6_pack_x(const MatmulArgs& a, int part, int parts, void* out) {
    const int64_t nb = a.cols / kSuperBlock;
    const int64_t i0 = a.n_act * part / parts, i1 = a.n_act * (part + 1) / parts;
    auto* packed = static_cast<Q6PackedX*>(out);
    for (int64_t i = i0; i < i1; ++i) {
      const auto* x = reinterpret_cast<const BlockQ8_K*>(a.x + static_cast<size_t>(i) * a.x_stride);
      for (int64_t s = 0; s < nb; ++s) {
        for (int g = 0; g < 16; ++g) packed[i * nb + s].offset[g] = -32 * int32_t{x[s].bsums[g]};
      }
    }
  }
  // Four activation bytes as one dword, read in place (a broadcast operand of the dot).
  using AliasedInt32 = int32_t __attribute__((may_alias));

  // Bytes of a pair of super-blocks a decoding stream reads per group it visits (105 lines of
  // 64 bytes spread over its 32 groups), fetched kStreamAheadBytes ahead.
  static constexpr int kQ6PairLines = kQ6PanelPairBytes / 64;

  // Sub-panels w[0..P) (weight rows from n, of which `rows` exist) against activation rows
  // i..i+C (Q8_K rows). Stream: one sub-panel read once from memory (decoding), fetched ahead.
  template <int P, int C, bool Stream>
  static void q6_panel_tile(const Q6SubPanel* w, const MatmulArgs& a, int64_t n, int64_t rows, int64_t i) {
    const int64_t nb = a.cols / kSuperBlock;
    const BlockQ8_K* x[C];
  #pragma GCC unroll 16
    for (int c = 0; c < C; ++c) x[c] = reinterpret_cast<const BlockQ8_K*>(a.x + static_cast<size_t>(i + c) * a.x_stride);
    const auto* px = static_cast<const Q6PackedX*>(a.x_packed) + i * nb;
    FV acc[P][C];
  #pragma GCC unroll 16
    for (int p = 0; p < P; ++p)
  #pragma GCC unroll 16
      for (int c = 0; c < C; ++c) acc[p][c] = H::f_zero();
    for (int64_t s = 0; s < nb; ++s) {
      IV total[P][C];
  #pragma GCC unroll 16
      for (int p = 0; p < P; ++p)
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) total[p][c] = H::i_zero();
      for (int g = 0; g < 16; ++g) {
        if constexpr (Stream) {
          const uint8_t* pair = w[0].panel + static_cast<size_t>(s / 2) * kQ6PanelPairBytes + kStreamAheadBytes;
          const int t = static_cast<int>(s % 2) * 16 + g;
          for (int line = t * kQ6PairLines / 32; line < (t + 1) * kQ6PairLines / 32; ++line) __builtin_prefetch(pair + line * 64);
        }
        IV v[P][4];
        IV sc[P];
  #pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          H::q6p_unpack(w[p].panel + q6_panel_quants(s) + static_cast<size_t>(g) * kQ6PanelGroupBytes + 4 * w[p].first_lane, v[p]);
          sc[p] = H::q6p_group_scales(w[p].panel + q6_panel_scales(s) + static_cast<size_t>(16 * g) + w[p].first_lane);
        }
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
          const auto* x4 = reinterpret_cast<const AliasedInt32*>(x[c][s].qs + 16 * g);
  #pragma GCC unroll 16
          for (int p = 0; p < P; ++p) {
            IV t = H::i_set1(px[c * nb + s].offset[g]);
  #pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) t = H::q6p_dot(t, v[p][k], x4[k]);
            total[p][c] = H::i_add(total[p][c], H::i_mullo(t, sc[p]));
          }
        }
      }
  #pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const FV dw = H::q8p_scales(reinterpret_cast<const uint16_t*>(w[p].panel + q6_panel_d(s) + 2 * w[p].first_lane));
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) acc[p][c] = H::f_fma(H::f_cvt(total[p][c]), H::f_mul(dw, H::f_set1(x[c][s].d)), acc[p][c]);
      }
    }
  #pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int64_t valid = std::min<int64_t>(kQ8Lanes, rows - int64_t{p} * kQ8Lanes);
  #pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        float* y = a.y + (i + c) * a.ldy + n + int64_t{p} * kQ8Lanes;
        if (valid == kQ8Lanes) {
          H::f_store(y, acc[p][c]);
        } else {
          alignas(64) float lanes[kQ8Lanes];
          H::f_store(lanes, acc[p][c]);
          for (int64_t r = 0; r < valid; ++r) y[r] = lanes[r];
        }
      }
    }
  }

  // Activation rows [i, i + count) against one sub-panel, streamed (count <= kQ6PanelFewC).
  static void q6_panel_few(const Q6SubPanel& w, const MatmulArgs& a, int64_t n, int64_t rows, int64_t i, int64_t count) {
    switch (count) {
      case 1: return q6_panel_tile<1, 1, true>(&w, a, n, rows, i);
      case 2: return q6_panel_tile<1, 2, true>(&w, a, n, rows, i);
      case 3: return q6_panel_tile<1, 3, true>(&w, a, n, rows, i);
      case 4: return q6_panel_tile<1, 4, true>(&w, a, n, rows, i);
    }
    if constexpr (kQ6PanelFewC > 4) {
      switch (count) {
        case 5: return q6_panel_tile<1, 5, true>(&w, a, n, rows, i);
        case 6: return q6_panel_tile<1, 6, true>(&w, a, n, rows, i);
        case 7: return q6_panel_tile<1, 7, true>(&w, a, n, rows, i);
        case 8: return q6_panel_tile<1, 8, true>(&w, a, n, rows, i);
      }
    }
  }

  // Activation rows [i, i + count) against one sub-panel that sits in cache (count <= kQ6PanelC).
  template <int C>
  static void q6_panel_rest(const Q6SubPanel& w, const MatmulArgs& a, int64_t n, int64_t rows, int64_t i, int64_t count) {
    if constexpr (C > 0) {
      if (count == C) return q6_panel_tile<1, C, false>(&w, a, n, rows, i);
      q6_panel_rest<C - 1>(w, a, n, rows, i, count);
    }
  }

  // Products on Q6_K panels (args.w: the first panel; n0 a multiple of 16, as the driver's
  // slices are). Decoding one or a few sequences (up to 16 rows, decode rows and a chunk of a
  // prompt) streams each sub-panel once; prompts take each sub-panel, in L1, against every
  // activation tile in turn.
  static void matmul_q6_k_panels_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const uint8_t* first = a.w + static_cast<size_t>(n0 / kQ6PanelRows) * a.w_stride;
    const bool streaming = a.n_act <= 16;
    for (int64_t n = n0; n < n1; n += kQ8Lanes) {
      const Q6SubPanel w = q6_sub_panel(first, a.w_stride, (n - n0) / kQ8Lanes);
      if (streaming) {
        for (int64_t i = 0; i < a.n_act; i += kQ6PanelFewC) {
          q6_panel_few(w, a, n, n1 - n, i, std::min<int64_t>(kQ6PanelFewC, a.n_act - i));
        }
        continue;
      }
      int64_t i = 0;
      for (; i + kQ6PanelC <= a.n_act; i += kQ6PanelC) q6_panel_tile<1, kQ6PanelC, false>(&w, a, n, n1 - n, i);
      if (i < a.n_act) q6_panel_rest<kQ6PanelC>(w, a, n, n1 - n, i, a.n_act - i);
    }
  }
};
