// SPDX-License-Identifier: Apache-2.0
// Integer matrix-product kernels (Q8_0 x Q8_0 and Q6_K x Q8_K), written once over an ISA's
// hook type H, a struct of static functions whose contract is the QuantHooks concept
// (kernels/simd/quant_hooks.h). Included, through quant_all.inl, INSIDE the anonymous
// namespace of each ISA's *_quant.cpp: with H local to that file, every instantiation has
// internal linkage, so no copy compiled with one ISA's flags can be picked by the linker for
// another.
//
// Every output is the same sequence of operations whatever tile it falls in, so splitting
// rows over threads never changes a bit.

template <QuantHooks H>
struct QuantKernels {
  using IV = typename H::IV;
  using FV = typename H::FV;
  using Q8PW = typename H::Q8PW;
  using Q6Row = typename H::Q6Row;
  using Q6Bsums = typename H::Q6Bsums;
  static constexpr int kQ8Step = H::kQ8Step;
  static constexpr int kQ8PanelP = H::kQ8PanelP;
  static constexpr int kQ8PanelC = H::kQ8PanelC;
  static constexpr int kQ6Chunks = H::kQ6Chunks;
  static constexpr int kQ6TileR = H::kQ6TileR;
  static constexpr int kQ6TileC = H::kQ6TileC;
  static constexpr int kQ6MatvecR = H::kQ6MatvecR;

  // Per super-block: decode each weight row's 6-bit quants to bytes 0..63 once, then for each
  // activation row: Σ_chunks (u6 · q8 summed in pairs, times the group scale) as int32 lanes,
  // minus 32 · Σ_groups scale · bsum for the offset of the quants, summed to the super-block's
  // exact integer dot; each output is one FMA chain over the super-blocks in order,
  // acc = fma(float(dot), d_w · d_x, acc), as on panels (q6_panel_tile), so both layouts and
  // every batch give the same bits.
  template <int R, int C>
  static void q6_tile(const MatmulArgs& a, int64_t n, int64_t i) {
    const BlockQ6_K* w[R];
    const BlockQ8_K* x[C];
    for (int r = 0; r < R; ++r) w[r] = reinterpret_cast<const BlockQ6_K*>(a.w + static_cast<size_t>(n + r) * a.w_stride);
    for (int c = 0; c < C; ++c) x[c] = reinterpret_cast<const BlockQ8_K*>(a.x + static_cast<size_t>(i + c) * a.x_stride);
    float acc[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) acc[r][c] = 0.0f;
    const int64_t nb = a.cols / kSuperBlock;
    for (int64_t b = 0; b < nb; ++b) {
      Q6Row rows[R];
      for (int r = 0; r < R; ++r) {
        if constexpr (R == 1) {  // one weight row at a time is a stream: fetch ahead (kStreamAheadBytes)
          const char* p = reinterpret_cast<const char*>(w[r] + b) + kStreamAheadBytes;
          for (int line = 0; line < 256; line += 64) __builtin_prefetch(p + line);
        }
        H::q6_decode(w[r][b], rows[r]);
      }
      for (int c = 0; c < C; ++c) {
        const BlockQ8_K& xb = x[c][b];
        const Q6Bsums bsums = H::q6_bsums(xb);
        for (int r = 0; r < R; ++r) {
          IV isum = H::i_zero();
  #pragma GCC unroll 16
          for (int ch = 0; ch < kQ6Chunks; ++ch) isum = H::q6_acc(isum, rows[r].u[ch], H::q6_x(xb, ch), rows[r].sc[ch]);
          const int32_t dot = H::i_hsum(isum) - 32 * H::q6_scaled_bsums(rows[r].scales16, bsums);
          acc[r][c] = std::fma(static_cast<float>(dot), rows[r].d * xb.d, acc[r][c]);
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) a.y[(i + c) * a.ldy + n + r] = acc[r][c];
  }

  // A few activation rows (several sequences decoded together) take tiles of one weight row
  // (a stream, fetched ahead) and up to kFewC activation rows: each super-block is decoded
  // once for all of them. On 256-bit paths the decoded row alone fills half the registers.
  static constexpr int64_t kQ6FewRows = 16;
  static constexpr int kQ6FewC = sizeof(IV) == 64 ? 8 : 4;

  template <template <int, int> class Tile>
  static void few_row_tiles(const MatmulArgs& a, int64_t n, int64_t i, int64_t count) {
    switch (count) {
      case 1: return Tile<1, 1>::run(a, n, i);
      case 2: return Tile<1, 2>::run(a, n, i);
      case 3: return Tile<1, 3>::run(a, n, i);
      case 4: return Tile<1, 4>::run(a, n, i);
    }
    if constexpr (kQ6FewC > 4) {
      switch (count) {
        case 5: return Tile<1, 5>::run(a, n, i);
        case 6: return Tile<1, 6>::run(a, n, i);
        case 7: return Tile<1, 7>::run(a, n, i);
        case 8: return Tile<1, 8>::run(a, n, i);
      }
    }
  }

  // Weight rows [n0, n1) against all activation rows. One activation row: tiles of MR
  // weight rows. A few: one weight row at a time against all of them. Many: blocks of weight
  // rows that stay in L2 while every activation tile passes over them.
  template <int TR, int TC, int MR, template <int, int> class Tile>
  static void tiled_matmul(const MatmulArgs& a, int64_t n0, int64_t n1) {
    if (a.n_act == 1) {
      int64_t n = n0;
      for (; n + MR <= n1; n += MR) Tile<MR, 1>::run(a, n, 0);
      for (; n < n1; ++n) Tile<1, 1>::run(a, n, 0);
      return;
    }
    if (a.n_act <= kQ6FewRows) {
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t i = 0; i < a.n_act; i += kQ6FewC) few_row_tiles<Tile>(a, n, i, std::min<int64_t>(kQ6FewC, a.n_act - i));
      }
      return;
    }
    constexpr int64_t kRowBlock = 16 * TR;
    for (int64_t nb = n0; nb < n1; nb += kRowBlock) {
      const int64_t ne = nb + kRowBlock < n1 ? nb + kRowBlock : n1;
      int64_t i = 0;
      for (; i + TC <= a.n_act; i += TC) {
        int64_t n = nb;
        for (; n + TR <= ne; n += TR) Tile<TR, TC>::run(a, n, i);
        for (; n < ne; ++n) Tile<1, TC>::run(a, n, i);
      }
      for (; i < a.n_act; ++i) {
        int64_t n = nb;
        for (; n + TR <= ne; n += TR) Tile<TR, 1>::run(a, n, i);
        for (; n < ne; ++n) Tile<1, 1>::run(a, n, i);
      }
    }
  }

  template <int R, int C>
  struct Q6Tile {
    static void run(const MatmulArgs& a, int64_t n, int64_t i) { q6_tile<R, C>(a, n, i); }
  };

  // ---- Q8_0 with one activation row (decode): weights streamed row by row
  //
  // The activation row is packed once per call (prepared quants and the lanes' correction
  // start q8v_init per step, the scales per group of blocks), so each weight step costs its
  // own loads and one int8 dot. Per group of kQ8GroupBlocksV blocks: one int32 lane per block
  // (summed out of the dot's lanes in integers, which is exact) and one convert for the
  // group; then each block joins the row's FMA chain in order, times d_w · d_x (see q8_rows):
  // the panel kernels below compute exactly this chain. So a row's result never
  // depends on how many activation rows share the call, nor on the weights' layout (decoding
  // N variants together, or a prompt partly reused from the cache, gives the same bits as one
  // at a time).

  struct alignas(64) PackedXV {
    IV q;
    IV init;
  };
  struct alignas(64) PackedXD {
    FV d;  // the activation blocks' scales of one group
  };
  static inline thread_local std::vector<PackedXV> t_packed_xv;
  static inline thread_local std::vector<PackedXD> t_packed_xd;

  static constexpr int64_t kQ8GroupBlocksV = sizeof(IV) / 4;
  static constexpr int kQ8GroupSteps = static_cast<int>(kQ8GroupBlocksV / kQ8Step);  // 8 on every path
  static_assert(kQ8GroupSteps == 8, "q8v_block_sums takes eight steps");

  // Up to this many activation rows take this streaming kernel on GGUF rows (each weight
  // group loaded once for all of them); more take the panel kernels below.
  static constexpr int64_t kQ8FewRows = 8;

  // One pair's group: the eight steps' int8 dots, summed to one lane per block.
  [[gnu::always_inline]] static inline IV q8v_group_sums(const IV wq[kQ8GroupSteps], const PackedXV* px) {
    IV part[kQ8GroupSteps];
    for (int t = 0; t < kQ8GroupSteps; ++t) part[t] = H::q8v_dot(px[t].init, wq[t], px[t].q);
    return H::q8v_block_sums(part);
  }

  // Every Q8_0 output is one FMA chain over its blocks in order,
  // acc = fma(cvt(block dot), d_w · d_x, acc), with d_w · d_x rounded first. A row's group
  // sums come out with one lane per block, so the chains run across rows instead: 16 weight
  // rows (8 on AVX2) are streamed one after the other (one stream, as before), each group's block
  // sums and scales wait in L1, and then each group is turned over (f_transpose) so that lane
  // r holds row r and the blocks join the rows' chains one vector FMA each. (Joining each
  // row's chain in scalar FMAs made this kernel a third slower.)
  struct alignas(64) RowVector {
    FV v;
  };
  static inline thread_local std::vector<RowVector> t_rows_scratch;
  // How much of the stream beyond kStreamAheadBytes to fetch while the chains run: 2 KB was
  // ahead of none in three of three end-to-end pairings (`--no-repack`, 0.6-5 %).
  static constexpr int64_t kRowsChainAheadBytes = 2048;

  template <int C>
  static void q8_rows(const MatmulArgs& a, int64_t n0, int64_t n1, int64_t i0, const PackedXV* px, const PackedXD* xd,
               int64_t steps, int64_t groups) {
    const int64_t nb = a.cols / kQ8_0Block;
    const int64_t full_groups = nb / kQ8GroupBlocksV;
    constexpr int kRows = static_cast<int>(kQ8GroupBlocksV);  // weight rows per vector
    const auto need = static_cast<size_t>((C + 1) * groups * kRows);
    if (t_rows_scratch.size() < need) t_rows_scratch.resize(need);
    RowVector* sums = t_rows_scratch.data();    // [c][g][r]: row r's block sums of group g
    RowVector* scales = sums + C * groups * kRows;  // [g][r]: row r's block scales of group g
    for (int64_t n = n0; n < n1; n += kRows) {
      const int rows = n1 - n < kRows ? static_cast<int>(n1 - n) : kRows;
      for (int r = 0; r < kRows; ++r) {
        if (r >= rows) {  // lanes that no row fills, never stored
          for (int64_t g = 0; g < groups; ++g) {
            scales[g * kRows + r].v = H::f_zero();
            for (int c = 0; c < C; ++c) sums[(c * groups + g) * kRows + r].v = H::f_zero();
          }
          continue;
        }
        const auto* w = reinterpret_cast<const BlockQ8_0*>(a.w + static_cast<size_t>(n + r) * a.w_stride);
        const char* next = reinterpret_cast<const char*>(w) + kStreamAheadBytes;
        IV wq[kQ8GroupSteps];
        for (int64_t g = 0; g < groups; ++g) {
          for (int t = 0; t < kQ8GroupSteps; ++t) {
            const int64_t b = (g * kQ8GroupSteps + t) * kQ8Step;
            if (g < full_groups) {
              for (int line = 0; line < kQ8Step * 34; line += 64) __builtin_prefetch(next + b * 34 + line);
              wq[t] = H::q8_qs(w + b);
            } else {  // the last, partial group: missing blocks are zero
              wq[t] = b + kQ8Step <= nb ? H::q8_qs(w + b) : b < nb ? H::q8_qs_one(w + b) : H::i_zero();
            }
          }
          const int64_t b0 = g * kQ8GroupBlocksV;
          scales[g * kRows + r].v = H::q8_block_scales(w + b0, nb - b0 < kQ8GroupBlocksV ? nb - b0 : kQ8GroupBlocksV);
          for (int c = 0; c < C; ++c) {
            sums[(c * groups + g) * kRows + r].v =
                H::f_cvt(q8v_group_sums(wq, px + (i0 + c) * steps + g * kQ8GroupSteps));
          }
        }
      }
      FV acc[C];
      for (int c = 0; c < C; ++c) acc[c] = H::f_zero();
      // The chains read only L1, so the stream's fetches would pause here: keep them going.
      const char* ahead = reinterpret_cast<const char*>(a.w + static_cast<size_t>(n + rows) * a.w_stride) + kStreamAheadBytes;
      const char* ahead_end = ahead + kRowsChainAheadBytes;
      const int64_t lines_per_group = (kRowsChainAheadBytes / 64 + groups - 1) / groups;
      for (int64_t g = 0; g < groups; ++g) {
        for (int64_t l = 0; l < lines_per_group && ahead < ahead_end; ++l, ahead += 64) __builtin_prefetch(ahead);
        const int64_t b0 = g * kQ8GroupBlocksV;
        const int64_t count = nb - b0 < kQ8GroupBlocksV ? nb - b0 : kQ8GroupBlocksV;
        FV dw[kRows];  // after f_transpose, dw[l]: the scales of block b0 + l of every row
        for (int r = 0; r < kRows; ++r) dw[r] = scales[g * kRows + r].v;
        H::f_transpose(dw);
        for (int c = 0; c < C; ++c) {
          FV f[kRows];
          for (int r = 0; r < kRows; ++r) f[r] = sums[(c * groups + g) * kRows + r].v;
          H::f_transpose(f);
          alignas(64) float dx[kRows];
          H::f_store(dx, xd[(i0 + c) * groups + g].d);
          for (int64_t l = 0; l < count; ++l) acc[c] = H::f_fma(f[l], H::f_mul(dw[l], H::f_set1(dx[l])), acc[c]);
        }
      }
      for (int c = 0; c < C; ++c) {
        float* y = a.y + (i0 + c) * a.ldy + n;
        if (rows == kRows) {
          H::f_store(y, acc[c]);
        } else {
          alignas(64) float lanes[kRows];
          H::f_store(lanes, acc[c]);
          for (int r = 0; r < rows; ++r) y[r] = lanes[r];
        }
      }
    }
  }

  static void q8_matvec(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const int64_t nb = a.cols / kQ8_0Block;
    const int64_t groups = (nb + kQ8GroupBlocksV - 1) / kQ8GroupBlocksV;
    const int64_t steps = groups * kQ8GroupSteps;
    const auto need_xv = static_cast<size_t>(steps * a.n_act), need_xd = static_cast<size_t>(groups * a.n_act);
    if (t_packed_xv.size() < need_xv) t_packed_xv.resize(need_xv);
    if (t_packed_xd.size() < need_xd) t_packed_xd.resize(need_xd);
    PackedXV* px = t_packed_xv.data();
    PackedXD* xd = t_packed_xd.data();
    for (int64_t i = 0; i < a.n_act; ++i) {
      const auto* x = reinterpret_cast<const BlockQ8_0*>(a.x + static_cast<size_t>(i) * a.x_stride);
      for (int64_t s = 0; s < steps; ++s) {
        const int64_t b = s * kQ8Step;
        const IV q = b + kQ8Step <= nb ? H::q8_qs(x + b) : b < nb ? H::q8_qs_one(x + b) : H::i_zero();
        px[i * steps + s] = {H::q8v_prep_x(q), H::q8v_init(q)};
      }
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t b = g * kQ8GroupBlocksV;
        xd[i * groups + g].d = H::q8_block_scales(x + b, nb - b < kQ8GroupBlocksV ? nb - b : kQ8GroupBlocksV);
      }
    }
    // Weight rows outermost would reread the activations per group; they are small and stay
    // in L1/L2. Activation rows in groups of up to four, each weight row streamed once per
    // group of them.
    for (int64_t i = 0; i < a.n_act;) {
      const int64_t left = a.n_act - i;
      if (left >= 4) {
        q8_rows<4>(a, n0, n1, i, px, xd, steps, groups);
        i += 4;
      } else if (left >= 2) {
        q8_rows<2>(a, n0, n1, i, px, xd, steps, groups);
        i += 2;
      } else {
        q8_rows<1>(a, n0, n1, i, px, xd, steps, groups);
        i += 1;
      }
    }
  }

  // ---- Q8_0 on panels: every product on repacked weights, and prefill on GGUF rows
  //
  // Taken block by block, a Q8_0 product is one int8 dot instruction followed by float work
  // (convert, scale, accumulate). On panels (blocks.h), vector k of a block holds bytes
  // 4k..4k+3 of kQ8Lanes weight rows side by side, one row per int32 lane, and the
  // activation's dword k is a broadcast operand of the dot instruction: eight of them leave
  // every lane with its row's whole block dot, one convert, one scale multiply and one FMA
  // then serve kQ8Lanes outputs, and each output ends in its own lane, without a horizontal
  // sum. A stored panel is 16 rows: one sub-panel of kQ8Lanes rows on 512-bit paths, two on
  // 256-bit ones. Matrices repacked at load time are used as they are; a matrix in GGUF rows
  // is packed per call (block by block of rows kept in L2) when several activation rows
  // share it, which costs 12-18 % of a 128-row product when the weights come from memory.
  //
  // The arithmetic is the one-row kernel's exactly (batch invariance): per output the one
  // FMA chain of q8_rows. The tiles visit the blocks in order, so the panels and the
  // activations are read as streams, and each output's chain runs in a register of its own
  // and ends in its lane: no partial sums wait in L1 for a tree (with 16 partials per output,
  // their stores and tree cost 7-11 % of a 128-row product on one thread, and visiting the
  // blocks partial by partial 15-25 % more on two).

  static constexpr int kQ8Lanes = static_cast<int>(sizeof(IV) / 4);
  static constexpr int kQ8BlockVectors = kQ8_0Block / 4;  // 8 vectors of 4 bytes per block
  static constexpr int kQ8SubPanels = kQ8PanelRows / kQ8Lanes;
  static_assert(kQ8Lanes == kQ8GroupBlocksV, "the partials of both kernels are the vector's lanes");
  static_assert(kQ8SubPanels * kQ8Lanes == kQ8PanelRows, "a stored panel is whole sub-panels");

  // One activation block as the panel kernel reads it: each dword is broadcast in turn.
  struct PackedXBlock {
    int32_t q[kQ8BlockVectors];  // the quants, four per dword, as they are
    float d;
    int32_t init;  // where the lane sums start (q8p_init_for)
  };
  static_assert(sizeof(PackedXBlock) == 40, "dwords never straddle a cache line");

  template <class T>
  static T* scratch(std::vector<T>& v, size_t n) {
    if (v.size() < n) v.resize(n);  // grows only: no allocation per call at steady state
    return v.data();
  }

  // The table's pack_q8_0_panels: whole sub-panels are transposed in registers (bytes
  // identical to the reference's, tested). q8_row_scales gathers with 32-bit offsets.
  static constexpr size_t kMaxGatherStride = size_t{INT32_MAX} / kQ8Lanes;
  static void pack_q8_0_panels_simd(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                             uint8_t* out) {
    const int64_t nb = cols / kQ8_0Block;
    const size_t stride = q8_panel_stride(cols);
    for (int64_t p = p0; p < p1; ++p) {
      uint8_t* panel = out + static_cast<size_t>(p) * stride;
      if (nb % 2 != 0) {  // the last pair has no second block
        __builtin_memset(panel + q8_panel_quants(nb), 0, kQ8PanelQuantBytes);
        __builtin_memset(panel + q8_panel_scales(nb), 0, kQ8PanelScaleBytes);
      }
      for (int h = 0; h < kQ8SubPanels; ++h) {
        const int64_t first = p * kQ8PanelRows + h * kQ8Lanes;
        const int64_t count = std::clamp<int64_t>(n_rows - first, 0, kQ8Lanes);
        for (int64_t b = 0; b < nb; ++b) {
          IV v[kQ8BlockVectors];
          alignas(64) uint16_t d[kQ8Lanes] = {};
          if (count == kQ8Lanes && row_stride <= kMaxGatherStride) {
            const uint8_t* block = rows + static_cast<size_t>(first) * row_stride + static_cast<size_t>(b) * sizeof(BlockQ8_0);
            H::q8_transpose_rows(block, row_stride, v);
            H::q8_row_scales(block, row_stride, d);
          } else {  // the matrix's last rows (missing ones are zero), or rows too far apart
            alignas(64) int32_t bytes[kQ8BlockVectors][kQ8Lanes] = {};
            for (int64_t r = 0; r < count; ++r) {
              const auto* block = reinterpret_cast<const BlockQ8_0*>(rows + static_cast<size_t>(first + r) * row_stride) + b;
              for (int k = 0; k < kQ8BlockVectors; ++k) __builtin_memcpy(&bytes[k][r], block->qs + 4 * k, 4);
              d[r] = block->d;
            }
            for (int k = 0; k < kQ8BlockVectors; ++k) v[k] = H::i_load(bytes[k]);
          }
          uint8_t* quants = panel + q8_panel_quants(b) + static_cast<size_t>(h) * kQ8Lanes * 4;
  #pragma GCC unroll 8
          for (int k = 0; k < kQ8BlockVectors; ++k) H::i_store(quants + k * kQ8PanelVectorBytes, v[k]);
          __builtin_memcpy(panel + q8_panel_scales(b) + static_cast<size_t>(h) * kQ8Lanes * 2, d, sizeof d);
        }
      }
    }
  }

  // Part `part` of `parts` of the activation rows in the panel kernel's form (row i at
  // out + i * nb, blocks in order).
  static void pack_q8_x(const MatmulArgs& a, int part, int parts, PackedXBlock* out) {
    const int64_t nb = a.cols / kQ8_0Block;
    for (int64_t i = a.n_act * part / parts; i < a.n_act * (part + 1) / parts; ++i) {
      const auto* row = reinterpret_cast<const BlockQ8_0*>(a.x + static_cast<size_t>(i) * a.x_stride);
      PackedXBlock* o = out + i * nb;
      for (int64_t b = 0; b < nb; ++b) {
        PackedXBlock& p = o[b];
        __builtin_memcpy(p.q, row[b].qs, sizeof(p.q));
        p.d = _cvtsh_ss(row[b].d);
        p.init = H::q8p_init_for(row[b].qs);
      }
    }
  }

  // kQ8Lanes weight rows of a stored panel: block b's vector k at
  // quants + q8_panel_quants(b) + k * 64, its scales at scales + q8_panel_scales(b).
  struct SubPanel {
    const uint8_t* quants;
    const uint8_t* scales;
  };
  static SubPanel sub_panel(const uint8_t* panels, size_t stride, int64_t s) {
    const uint8_t* panel = panels + static_cast<size_t>(s / kQ8SubPanels) * stride;
    const auto h = static_cast<size_t>(s % kQ8SubPanels);
    return {panel + h * kQ8Lanes * 4, panel + h * kQ8Lanes * 2};
  }
  static FV sub_panel_scales(const SubPanel& w, int64_t b) {
    return H::q8p_scales(reinterpret_cast<const uint16_t*>(w.scales + q8_panel_scales(b)));
  }

  // Bytes of the next weight tile, fetched from memory while the current one works: a share
  // per activation tile, spread over its blocks (all at once, they stalled the products).
  struct Fetch {
    const uint8_t* next = nullptr;
    size_t bytes = 0;
    size_t per_tile = 0;
  };

  // Sub-panels w[0..P) (weight rows from n, of which `rows` exist) against activation rows
  // c < C (packed at px + c * nb); writes y[(i + c) * ldy + n + row].
  template <int P, int C>
  static void q8_panel_tile(const SubPanel* w, const PackedXBlock* px, int64_t nb, const MatmulArgs& a, int64_t n, int64_t rows,
                     int64_t i, Fetch& fetch) {
    // The outputs' lines, fetched for writing now: stored at the end, each store would wait
    // for its line (A/B on one core: +6.6 % at 32006x1024, whose outputs do not stay in cache,
    // +3 % at 1024x1024, the rest unchanged).
  #pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      const float* y = a.y + (i + c) * a.ldy + n;
      for (int64_t f = 0; f < int64_t{P} * kQ8Lanes; f += 16) __builtin_prefetch(y + f, 1);
      __builtin_prefetch(y + int64_t{P} * kQ8Lanes - 1, 1);
    }
    const size_t mine = std::min(fetch.bytes, fetch.per_tile);
    const size_t share = ((mine + 63) / 64 + static_cast<size_t>(nb) - 1) / static_cast<size_t>(nb) * 64;  // per block
    const uint8_t* fetch_end = fetch.next + mine;
    fetch.bytes -= mine;
    FV acc[P][C];
  #pragma GCC unroll 16
    for (int p = 0; p < P; ++p)
  #pragma GCC unroll 16
      for (int c = 0; c < C; ++c) acc[p][c] = H::f_zero();
    for (int64_t b = 0; b < nb; ++b) {
      for (size_t f = 0; f < share && fetch.next < fetch_end; f += 64, fetch.next += 64) {
        H::prefetch_l2(fetch.next);
      }
      const size_t at = q8_panel_quants(b);
      IV isum[P][C];
  #pragma GCC unroll 16
      for (int p = 0; p < P; ++p)
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) isum[p][c] = H::i_set1(px[c * nb + b].init);
  #pragma GCC unroll 16
      for (int k = 0; k < kQ8BlockVectors; ++k) {
        // Each weight vector is loaded once and used C times; the activation dword is a
        // broadcast operand of the dot instruction itself.
        Q8PW wk[P];
  #pragma GCC unroll 16
        for (int p = 0; p < P; ++p) wk[p] = H::q8p_load_w(H::i_load(w[p].quants + at + k * kQ8PanelVectorBytes));
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
          const int32_t x4 = px[c * nb + b].q[k];
  #pragma GCC unroll 16
          for (int p = 0; p < P; ++p) isum[p][c] = H::q8p_acc(isum[p][c], wk[p], x4);
        }
      }
  #pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const FV dw = sub_panel_scales(w[p], b);
  #pragma GCC unroll 16
        for (int c = 0; c < C; ++c) acc[p][c] = H::f_fma(H::f_cvt(isum[p][c]), H::f_mul(dw, H::f_set1(px[c * nb + b].d)), acc[p][c]);
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

  // One sub-panel against one activation row (decode): the blocks in their stored order, so
  // the panel is read as one stream, each lane's chain in a register. On 512-bit paths it
  // fetches 4 KB ahead, not kStreamAheadBytes: with one FMA chain per lane instead of 16
  // partials, 8 KB ahead made generation 5-12 % slower end to end (DanTagGen shape, Q8_0, 2
  // threads) and 16 KB slower still, while 4 KB matched the 16-partial kernel at 8 KB. The
  // 256-bit paths read each stored panel as two sub-panels and keep 8 KB (4 KB cost them 13 %
  // cold on Zen 5). Writes y[row] for the `rows` rows that exist.
  static constexpr size_t kPanelAheadBytes = kQ8SubPanels == 1 ? 4096 : kStreamAheadBytes;
  static void q8_panel_row(const SubPanel& w, const PackedXBlock* px, int64_t nb, float* y, int64_t rows) {
    FV acc = H::f_zero();
    for (int64_t b0 = 0; b0 < nb; b0 += kQ8Lanes) {
  #pragma GCC unroll 16
      for (int j = 0; j < kQ8Lanes; ++j) {
        const int64_t b = b0 + j;
        if (b >= nb) break;
        const PackedXBlock& x = px[b];
        const uint8_t* quants = w.quants + q8_panel_quants(b);
        // Nine lines per block cover a pair's 17 (its two blocks' quants, then their scales).
  #pragma GCC unroll 9
        for (int line = 0; line < 9; ++line) __builtin_prefetch(quants + kPanelAheadBytes + line * 64);
        IV isum = H::i_set1(x.init);
  #pragma GCC unroll 8
        for (int k = 0; k < kQ8BlockVectors; ++k) isum = H::q8p_acc(isum, H::q8p_load_w(H::i_load(quants + k * kQ8PanelVectorBytes)), x.q[k]);
        acc = H::f_fma(H::f_cvt(isum), H::f_mul(sub_panel_scales(w, b), H::f_set1(x.d)), acc);
      }
    }
    if (rows >= kQ8Lanes) {
      H::f_store(y, acc);
    } else {
      alignas(64) float lanes[kQ8Lanes];
      H::f_store(lanes, acc);
      for (int64_t r = 0; r < rows; ++r) y[r] = lanes[r];
    }
  }

  // Activation rows decoded together (several sequences): per 512-bit register file, eight
  // rows' sums and chains fit beside a weight vector; AVX2's sixteen registers hold four.
  static constexpr int kQ8PanelFewC = kQ8SubPanels == 1 ? 8 : 4;
  // Up to this many rows stream the panels (more rows re-read each sub-panel from L1, which
  // costs integer work, not bandwidth); beyond it the prompt tiles are faster. A batched
  // decode step's decode rows and a chunk of a prompt being evaluated meet here.
  static constexpr int64_t kQ8PanelFewRows = 16;

  // One sub-panel against C activation rows (px: row i's packed blocks; row c at px + c * nb),
  // for a few sequences decoded together: the panel is streamed once and fetched ahead as the
  // one-row kernel does it, each block's weight vectors serve every row, and each output's
  // chain is the one-row kernel's (so a row's result does not depend on its company).
  template <int C>
  static void q8_panel_rows(const SubPanel& w, const PackedXBlock* px, int64_t nb, const MatmulArgs& a, int64_t n, int64_t rows,
                     int64_t i) {
    FV acc[C];
  #pragma GCC unroll 8
    for (int c = 0; c < C; ++c) acc[c] = H::f_zero();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* quants = w.quants + q8_panel_quants(b);
  #pragma GCC unroll 9
      for (int line = 0; line < 9; ++line) __builtin_prefetch(quants + kPanelAheadBytes + line * 64);
      IV isum[C];
  #pragma GCC unroll 8
      for (int c = 0; c < C; ++c) isum[c] = H::i_set1(px[c * nb + b].init);
  #pragma GCC unroll 8
      for (int k = 0; k < kQ8BlockVectors; ++k) {
        const Q8PW wk = H::q8p_load_w(H::i_load(quants + k * kQ8PanelVectorBytes));
  #pragma GCC unroll 8
        for (int c = 0; c < C; ++c) isum[c] = H::q8p_acc(isum[c], wk, px[c * nb + b].q[k]);
      }
      const FV dw = sub_panel_scales(w, b);
  #pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[c] = H::f_fma(H::f_cvt(isum[c]), H::f_mul(dw, H::f_set1(px[c * nb + b].d)), acc[c]);
    }
    const int64_t valid = std::min<int64_t>(kQ8Lanes, rows);
  #pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      float* y = a.y + (i + c) * a.ldy + n;
      if (valid == kQ8Lanes) {
        H::f_store(y, acc[c]);
      } else {
        alignas(64) float lanes[kQ8Lanes];
        H::f_store(lanes, acc[c]);
        for (int64_t r = 0; r < valid; ++r) y[r] = lanes[r];
      }
    }
  }

  // Activation rows [i, i + count) against one sub-panel, count <= kQ8PanelFewC.
  static void q8_panel_few(const SubPanel& w, const PackedXBlock* px, int64_t nb, const MatmulArgs& a, int64_t n, int64_t rows,
                    int64_t i, int64_t count) {
    px += i * nb;
    switch (count) {
      case 1: return q8_panel_rows<1>(w, px, nb, a, n, rows, i);
      case 2: return q8_panel_rows<2>(w, px, nb, a, n, rows, i);
      case 3: return q8_panel_rows<3>(w, px, nb, a, n, rows, i);
      case 4: return q8_panel_rows<4>(w, px, nb, a, n, rows, i);
    }
    if constexpr (kQ8PanelFewC > 4) {
      switch (count) {
        case 5: return q8_panel_rows<5>(w, px, nb, a, n, rows, i);
        case 6: return q8_panel_rows<6>(w, px, nb, a, n, rows, i);
        case 7: return q8_panel_rows<7>(w, px, nb, a, n, rows, i);
        case 8: return q8_panel_rows<8>(w, px, nb, a, n, rows, i);
      }
    }
  }

  // Fetches a range into L2 in `steps` even shares, one per step().
  class L2Prefetch {
   public:
    L2Prefetch(const uint8_t* p, size_t bytes, int64_t steps)
        : next_(p), end_(p + bytes), per_step_((bytes / 64 + static_cast<size_t>(steps)) / static_cast<size_t>(steps)) {}
    void step() {
      for (size_t i = 0; i < per_step_ && next_ < end_; ++i, next_ += 64) {
        H::prefetch_l2(next_);
      }
    }

   private:
    const uint8_t* next_;
    const uint8_t* end_;
    size_t per_step_;
  };

  // One weight tile (P sub-panels) against activation rows [i, n_act): tiles of C rows, then
  // of fewer; each fetches its share of the next weight tile and steps `later`.
  template <int P, int C>
  static void q8_activation_tiles(const SubPanel* w, const PackedXBlock* px, int64_t nb, const MatmulArgs& a, int64_t n,
                           int64_t rows, int64_t i, Fetch& fetch, L2Prefetch& later) {
    for (; i + C <= a.n_act; i += C) {
      q8_panel_tile<P, C>(w, px + i * nb, nb, a, n, rows, i, fetch);
      later.step();
    }
    if constexpr (C > 1) {
      if (i < a.n_act) q8_activation_tiles<P, C - 1>(w, px, nb, a, n, rows, i, fetch, later);
    }
  }

  // Weight rows [n, n + rows), stored as panels from `panels` (row n is the first panel's row
  // 0), against every activation row: weight tiles of kQ8PanelP sub-panels outermost (a tile
  // stays in L1/L2 while all activation tiles pass over it; the activations, 164 KB at 128
  // rows of 1024, stay in L2). Panels up to fetch_end are fetched a tile ahead.
  static void q8_multiply_panels(const uint8_t* panels, size_t stride, int64_t nb, int64_t n, int64_t rows,
                          const PackedXBlock* px, const MatmulArgs& a, const uint8_t* fetch_end, L2Prefetch& later) {
    const int64_t subs = (rows + kQ8Lanes - 1) / kQ8Lanes;
    for (int64_t s = 0; s < subs;) {
      const int64_t take = subs - s >= kQ8PanelP ? kQ8PanelP : 1;
      SubPanel w[kQ8PanelP];
      for (int64_t q = 0; q < take; ++q) w[q] = sub_panel(panels, stride, s + q);
      const uint8_t* next = panels + static_cast<size_t>((s + take + kQ8SubPanels - 1) / kQ8SubPanels) * stride;
      const size_t ahead = static_cast<size_t>((take + kQ8SubPanels - 1) / kQ8SubPanels) * stride;
      Fetch fetch;
      // (A panel's second half, on 256-bit paths, would fetch what its first half did.)
      if (fetch_end != nullptr && next < fetch_end && s % kQ8SubPanels == 0) {
        fetch.next = next;
        fetch.bytes = std::min<size_t>(ahead, static_cast<size_t>(fetch_end - next));
        fetch.per_tile = (fetch.bytes / static_cast<size_t>((a.n_act + kQ8PanelC - 1) / kQ8PanelC) + 63) / 64 * 64;
      }
      const int64_t first = n + s * kQ8Lanes, left = rows - s * kQ8Lanes;
      if (take == kQ8PanelP) {
        q8_activation_tiles<kQ8PanelP, kQ8PanelC>(w, px, nb, a, first, left, 0, fetch, later);
      } else {
        q8_activation_tiles<1, kQ8PanelC>(w, px, nb, a, first, left, 0, fetch, later);
      }
      s += take;
    }
  }

  // The activations' packed form (MatmulOps): the panel kernels take one; on GGUF rows, only
  // products with more rows than the one-row kernel takes.
  static size_t q8_panels_x_bytes(const MatmulArgs& a) {
    return static_cast<size_t>(a.n_act * (a.cols / kQ8_0Block)) * sizeof(PackedXBlock);
  }
  static size_t q8_packed_x_bytes(const MatmulArgs& a) { return a.n_act <= kQ8FewRows ? 0 : q8_panels_x_bytes(a); }
  static void q8_pack_x(const MatmulArgs& a, int part, int parts, void* out) {
    pack_q8_x(a, part, parts, static_cast<PackedXBlock*>(out));
  }

  // Products on repacked weights (args.w: the first panel; n0 a multiple of 16, as the
  // driver's slices are).
  static void matmul_q8_0_panels_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const uint8_t* first = a.w + static_cast<size_t>(n0 / kQ8PanelRows) * a.w_stride;
    const uint8_t* end = a.w + static_cast<size_t>((n1 + kQ8PanelRows - 1) / kQ8PanelRows) * a.w_stride;
    const int64_t nb = a.cols / kQ8_0Block;
    if (a.n_act == 1) {
      for (int64_t n = n0; n < n1; n += kQ8Lanes) {
        q8_panel_row(sub_panel(first, a.w_stride, (n - n0) / kQ8Lanes), static_cast<const PackedXBlock*>(a.x_packed), nb,
                     a.y + n, n1 - n);
      }
      return;
    }
    if (a.n_act <= kQ8PanelFewRows) {
      // A few sequences decoded together: bandwidth-bound like one, so each sub-panel is
      // streamed once for all of them (the tiles below fetch whole tiles ahead, which suits
      // prompts, not streams).
      for (int64_t n = n0; n < n1; n += kQ8Lanes) {
        const SubPanel w = sub_panel(first, a.w_stride, (n - n0) / kQ8Lanes);
        for (int64_t i = 0; i < a.n_act; i += kQ8PanelFewC) {
          q8_panel_few(w, static_cast<const PackedXBlock*>(a.x_packed), nb, a, n, n1 - n, i,
                       std::min<int64_t>(kQ8PanelFewC, a.n_act - i));
        }
      }
      return;
    }
    L2Prefetch none(nullptr, 0, 1);
    q8_multiply_panels(first, a.w_stride, a.cols / kQ8_0Block, n0, n1 - n0, static_cast<const PackedXBlock*>(a.x_packed),
                       a, end, none);
  }

  // Per-thread panels of the products on GGUF rows, in 64-byte pieces: a vector of a type of
  // this file's own, so that no vector code is instantiated here with external linkage (a
  // std::vector<uint8_t> destructor compiled with this file's flags could be the one the
  // linker keeps for generic callers).
  struct alignas(64) PanelBytes {
    uint8_t bytes[64];
  };
  static inline thread_local std::vector<PanelBytes> t_panels;

  static void matmul_q8_0_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
    if (a.n_act <= kQ8FewRows) {
      q8_matvec(a, n0, n1);
      return;
    }
    const int64_t nb = a.cols / kQ8_0Block;
    const auto* px = static_cast<const PackedXBlock*>(a.x_packed);  // packed by the driver
    const size_t stride = q8_panel_stride(a.cols);
    // Blocks of rows whose panels stay in L2 beside the activations; while one block works,
    // the next one's rows are fetched into L2 for packing.
    const int64_t block = std::max<int64_t>(kQ8PanelRows, (int64_t{192} << 10) / static_cast<int64_t>(stride) * kQ8PanelRows);
    auto* panels = reinterpret_cast<uint8_t*>(scratch(t_panels, static_cast<size_t>(block / kQ8PanelRows) * stride / sizeof(PanelBytes)));
    for (int64_t n = n0; n < n1; n += block) {
      const int64_t rows = std::min(block, n1 - n), next_rows = std::min(block, n1 - n - rows);
      pack_q8_0_panels_simd(a.w + static_cast<size_t>(n) * a.w_stride, a.w_stride, rows, a.cols, 0,
                            (rows + kQ8PanelRows - 1) / kQ8PanelRows, panels);
      const int64_t tiles = ((rows + kQ8Lanes * kQ8PanelP - 1) / (kQ8Lanes * kQ8PanelP)) * ((a.n_act + kQ8PanelC - 1) / kQ8PanelC);
      L2Prefetch later(a.w + static_cast<size_t>(n + rows) * a.w_stride, static_cast<size_t>(next_rows) * a.w_stride, tiles);
      q8_multiply_panels(panels, stride, nb, n, rows, px, a, nullptr, later);
    }
  }

  static void matmul_q6_k_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
    tiled_matmul<kQ6TileR, kQ6TileC, kQ6MatvecR, Q6Tile>(a, n0, n1);
  }
};
