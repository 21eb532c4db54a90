// Integer matrix-product kernels (Q8_0 x Q8_0 and Q6_K x Q8_K), written once, compiled per
// ISA. Included INSIDE an anonymous namespace by avx2_quant.cpp, avx512_quant.cpp and
// avx512vnni_quant.cpp, after they define the ISA's pieces:
//   IV / FV                      integer and float vector types
//   kQ8Step                      Q8_0 blocks per vector step (1 for 256-bit, 2 for 512-bit)
//   q8_qs(b), q8_qs_one(b)       the int8 quants of kQ8Step blocks (or of one, rest zero)
//   q8_block_scales(b, n)        the f16 scales of n consecutive blocks, one lane each
//   q8_transpose_blocks(b, out)  a whole group of blocks in the block-transposed layout
//   q8v_prep_x, q8v_init, q8v_dot   the int8 dot of the matrix-vector kernel:
//                                q8v_dot(q8v_init(x), w, q8v_prep_x(x)) gives int32 lanes whose
//                                sum per block is Σ w·x, exactly
//   q8v_block_sums(part[8])      eight steps' lanes to one lane per block, in block order
//   q8_prep_x                    activation quants as the block-transposed kernel takes them
//   kQ6Chunks, Q6Row, q6_decode, q6_x, q6_acc, q6_finish   the Q6_K pieces (see q6_tile)
//   f_zero, f_cvt, f_mul, f_fma, f_set1, f_hsum, f_hsum4 (same order), i_zero
//   Q8WT, q8t_prep_w, q8t_init, q8t_acc   the int8 dot for the block-transposed layout:
//                                q8t_acc(acc, q8t_prep_w(w), q8_prep_x(x)) adds Σ w·x per int32
//                                lane, less what q8t_init(the eight raw w vectors) puts back
//   i_load                       aligned load
//   kQ8TileR/C, kQ6TileR/C, kQ6MatvecR   tile shapes
//
// Every output is the same sequence of operations whatever tile it falls in, so splitting
// rows over threads never changes a bit.

// Per super-block: decode each weight row's 6-bit quants to bytes 0..63 once, then for each
// activation row: Σ_chunks (u6 · q8 summed in pairs, times the group scale) as int32 lanes,
// minus 32 · Σ_groups scale · bsum for the offset of the quants, then one float FMA.
template <int R, int C>
void q6_tile(const MatmulArgs& a, int64_t n, int64_t i) {
  const BlockQ6_K* w[R];
  const BlockQ8_K* x[C];
  for (int r = 0; r < R; ++r) w[r] = reinterpret_cast<const BlockQ6_K*>(a.w + static_cast<size_t>(n + r) * a.w_stride);
  for (int c = 0; c < C; ++c) x[c] = reinterpret_cast<const BlockQ8_K*>(a.x + static_cast<size_t>(i + c) * a.x_stride);
  FV acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = f_zero();
  const int64_t nb = a.cols / kSuperBlock;
  const size_t next_tile = static_cast<size_t>(R) * a.w_stride;
  for (int64_t b = 0; b < nb; ++b) {
    Q6Row rows[R];
    for (int r = 0; r < R; ++r) {
      if constexpr (C == 1) {  // one row (tile) ahead: see the Q8_0 matrix-vector kernel
        const char* p = reinterpret_cast<const char*>(w[r] + b) + next_tile;
        for (int line = 0; line < 256; line += 64) __builtin_prefetch(p + line);
      }
      q6_decode(w[r][b], rows[r]);
    }
    for (int c = 0; c < C; ++c) {
      const BlockQ8_K& xb = x[c][b];
      const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums));
      for (int r = 0; r < R; ++r) {
        IV isum = i_zero();
#pragma GCC unroll 16
        for (int ch = 0; ch < kQ6Chunks; ++ch) isum = q6_acc(isum, rows[r].u[ch], q6_x(xb, ch), rows[r].sc[ch]);
        const __m256i corr = _mm256_madd_epi16(rows[r].scales16, bsums);
        acc[r][c] = f_fma(q6_finish(isum, corr), f_set1(rows[r].d * xb.d), acc[r][c]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) a.y[(i + c) * a.ldy + n + r] = f_hsum(acc[r][c]);
}

// Weight rows [n0, n1) against all activation rows. One activation row: tiles of MR
// weight rows. Several: blocks of weight rows that stay in L2 while every activation tile
// passes over them.
template <int TR, int TC, int MR, template <int, int> class Tile>
void tiled_matmul(const MatmulArgs& a, int64_t n0, int64_t n1) {
  if (a.n_act == 1) {
    int64_t n = n0;
    for (; n + MR <= n1; n += MR) Tile<MR, 1>::run(a, n, 0);
    for (; n < n1; ++n) Tile<1, 1>::run(a, n, 0);
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
// own loads and one int8 dot. The float arithmetic is the block-transposed kernel's below,
// exactly: per group of kQ8GroupBlocks blocks, one int32 lane per block (here summed out of
// the dot's lanes in integers, which is exact), then one convert, one scale multiply and one
// FMA, then the same horizontal sum. So a row's result never depends on how many activation
// rows share the call (decoding N variants together, or a prompt partly reused from the
// cache, gives the same bits as one at a time).

struct alignas(64) PackedXV {
  IV q;
  IV init;
};
struct alignas(64) PackedXD {
  FV d;  // the activation blocks' scales of one group
};
thread_local std::vector<PackedXV> t_packed_xv;
thread_local std::vector<PackedXD> t_packed_xd;

constexpr int64_t kQ8GroupBlocksV = sizeof(IV) / 4;
constexpr int kQ8GroupSteps = static_cast<int>(kQ8GroupBlocksV / kQ8Step);  // 8 on every path
static_assert(kQ8GroupSteps == 8, "q8v_block_sums takes eight steps");

// Up to this many activation rows take this streaming kernel (each weight group loaded once
// for all of them); more take the block-transposed kernel below.
constexpr int64_t kQ8FewRows = 8;

// One pair's group: the eight steps' int8 dots, summed to one lane per block.
inline IV q8v_group_sums(const IV wq[kQ8GroupSteps], const PackedXV* px) {
  IV part[kQ8GroupSteps];
  for (int t = 0; t < kQ8GroupSteps; ++t) part[t] = q8v_dot(px[t].init, wq[t], px[t].q);
  return q8v_block_sums(part);
}

template <int C>
void q8_rows(const MatmulArgs& a, int64_t n0, int64_t n1, int64_t i0, const PackedXV* px, const PackedXD* xd,
             int64_t steps, int64_t groups) {
  const int64_t nb = a.cols / kQ8_0Block;
  const int64_t full_groups = nb / kQ8GroupBlocksV;
  for (int64_t n = n0; n < n1; ++n) {
    const auto* w = reinterpret_cast<const BlockQ8_0*>(a.w + static_cast<size_t>(n) * a.w_stride);
    const char* next = reinterpret_cast<const char*>(w) + a.w_stride;  // prefetched one row ahead
    FV acc[C];
    for (int c = 0; c < C; ++c) acc[c] = f_zero();
    IV wq[kQ8GroupSteps];
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t b0 = g * kQ8GroupBlocksV;
      for (int t = 0; t < kQ8GroupSteps; ++t) {
        const int64_t b = (g * kQ8GroupSteps + t) * kQ8Step;
        if (g < full_groups) {
          for (int line = 0; line < kQ8Step * 34; line += 64) __builtin_prefetch(next + b * 34 + line);
          wq[t] = q8_qs(w + b);
        } else {  // the last, partial group: missing blocks are zero
          wq[t] = b + kQ8Step <= nb ? q8_qs(w + b) : b < nb ? q8_qs_one(w + b) : i_zero();
        }
      }
      const FV dw = q8_block_scales(w + b0, nb - b0 < kQ8GroupBlocksV ? nb - b0 : kQ8GroupBlocksV);
      for (int c = 0; c < C; ++c) {
        const PackedXV* pxc = px + (i0 + c) * steps + g * kQ8GroupSteps;
        acc[c] = f_fma(f_cvt(q8v_group_sums(wq, pxc)), f_mul(dw, xd[(i0 + c) * groups + g].d), acc[c]);
      }
    }
    for (int c = 0; c < C; ++c) a.y[(i0 + c) * a.ldy + n] = f_hsum(acc[c]);
  }
}

void q8_matvec(const MatmulArgs& a, int64_t n0, int64_t n1) {
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
      const IV q = b + kQ8Step <= nb ? q8_qs(x + b) : b < nb ? q8_qs_one(x + b) : i_zero();
      px[i * steps + s] = {q8v_prep_x(q), q8v_init(q)};
    }
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t b = g * kQ8GroupBlocksV;
      xd[i * groups + g].d = q8_block_scales(x + b, nb - b < kQ8GroupBlocksV ? nb - b : kQ8GroupBlocksV);
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

// ---- Q8_0 with several activation rows: a block-transposed packed layout
//
// Taken block by block, a Q8_0 product is one int8 dot instruction followed by float work
// (convert, scale, accumulate) on lanes that hold only four products each: the float work
// limits it (measured on Zen 4, per core: 108 GOP/s so; 168 after summing lanes of four
// activation rows in integers first). So the operands are repacked: kLanes blocks side by
// side, vector k holding bytes 4k..4k+3 of every block, one block per int32 lane. Eight
// int8 dot instructions then leave each lane holding its block's whole dot product, and one
// convert, one scale multiply and one FMA serve kLanes blocks.
//
// Activations are packed once per call, weights once per block of rows (kept in L2), both
// in per-thread scratch. Missing blocks at the end are zero blocks with zero scales. Every
// output's arithmetic depends only on the row length, never on tiles or threads.

constexpr int64_t kQ8GroupBlocks = sizeof(IV) / 4;  // one block per int32 lane
constexpr int kQ8GroupVectors = kQ8_0Block / 4;     // 8 vectors of 4 bytes per block

struct alignas(64) PackedWGroup {
  Q8WT q[kQ8GroupVectors];
  IV init;  // q8t_init of the eight vectors: where each lane's sum starts
  FV d;     // the blocks' scales
};
struct alignas(64) PackedXGroup {
  IV q[kQ8GroupVectors];  // prepared (q8_prep_x) transposed quants
  FV d;
};

// Per-thread scratch for the weights, grown once and reused (no allocation per call at
// steady state). The activations are packed by the driver, once per call (q8_pack_x).
thread_local std::vector<PackedWGroup> t_packed_w;

template <class Packed>
Packed* scratch(std::vector<Packed>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

int64_t q8_groups(int64_t cols) { return (cols / kQ8_0Block + kQ8GroupBlocks - 1) / kQ8GroupBlocks; }

// Transposes blocks [g * kQ8GroupBlocks, ...) of one row into eight raw vectors and a scale
// vector (missing blocks: zeros). Whole groups are transposed in registers; this runs once
// per weight row and group for all activation rows, and done through memory, four bytes at
// a time, it took 14 % of a 128-row product.
void transpose_group(const BlockQ8_0* row, int64_t nb, int64_t g, IV raw[kQ8GroupVectors], FV& d) {
  const BlockQ8_0* first = row + g * kQ8GroupBlocks;
  const int64_t count = nb - g * kQ8GroupBlocks < kQ8GroupBlocks ? nb - g * kQ8GroupBlocks : kQ8GroupBlocks;
  d = q8_block_scales(first, count);
  if (count == kQ8GroupBlocks) {
    q8_transpose_blocks(first, raw);
    return;
  }
  alignas(64) int32_t bytes[kQ8GroupVectors][kQ8GroupBlocks] = {};
  for (int64_t j = 0; j < count; ++j) {
    for (int k = 0; k < kQ8GroupVectors; ++k) __builtin_memcpy(&bytes[k][j], first[j].qs + 4 * k, 4);
  }
  for (int k = 0; k < kQ8GroupVectors; ++k) raw[k] = i_load(bytes[k]);
}

void pack_q8_w(const MatmulArgs& a, int64_t n, int64_t count, PackedWGroup* out) {
  const int64_t nb = a.cols / kQ8_0Block, groups = q8_groups(a.cols);
  for (int64_t r = 0; r < count; ++r) {
    const auto* row = reinterpret_cast<const BlockQ8_0*>(a.w + static_cast<size_t>(n + r) * a.w_stride);
    for (int64_t g = 0; g < groups; ++g) {
      IV raw[kQ8GroupVectors];
      PackedWGroup& p = out[r * groups + g];
      transpose_group(row, nb, g, raw, p.d);
      for (int k = 0; k < kQ8GroupVectors; ++k) p.q[k] = q8t_prep_w(raw[k]);
      p.init = q8t_init(raw);
    }
  }
}

void pack_q8_x(const MatmulArgs& a, PackedXGroup* out) {
  const int64_t nb = a.cols / kQ8_0Block, groups = q8_groups(a.cols);
  for (int64_t i = 0; i < a.n_act; ++i) {
    const auto* row = reinterpret_cast<const BlockQ8_0*>(a.x + static_cast<size_t>(i) * a.x_stride);
    for (int64_t g = 0; g < groups; ++g) {
      IV raw[kQ8GroupVectors];
      PackedXGroup& p = out[i * groups + g];
      transpose_group(row, nb, g, raw, p.d);
      for (int k = 0; k < kQ8GroupVectors; ++k) p.q[k] = q8_prep_x(raw[k]);
    }
  }
}

// Weight rows r (packed at pw + r * groups) against activation rows c (px + c * groups);
// writes y[(i + c) * ldy + n + r].
template <int R, int C>
void q8_packed_tile(const PackedWGroup* pw, const PackedXGroup* px, int64_t groups, const MatmulArgs& a, int64_t n,
                    int64_t i) {
  FV acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r][c] = f_zero();
  for (int64_t g = 0; g < groups; ++g) {
    IV isum[R][C];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) isum[r][c] = pw[r * groups + g].init;
#pragma GCC unroll 16
    for (int k = 0; k < kQ8GroupVectors; ++k) {
      // Each weight and activation vector is loaded once per k and used C (R) times: the
      // loads, not the dot instructions, are the limit when they are repeated per product.
      Q8WT wk[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        wk[r] = pw[r * groups + g].q[k];
        if constexpr (C > 1) keep_in_register(wk[r]);
      }
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        const IV x = px[c * groups + g].q[k];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) isum[r][c] = q8t_acc(isum[r][c], wk[r], x);
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        acc[r][c] = f_fma(f_cvt(isum[r][c]), f_mul(pw[r * groups + g].d, px[c * groups + g].d), acc[r][c]);
      }
  }
  if constexpr (R == 4) {  // four outputs side by side: one joint reduction, same bits
    for (int c = 0; c < C; ++c) f_hsum4(acc[0][c], acc[1][c], acc[2][c], acc[3][c], a.y + (i + c) * a.ldy + n);
  } else {
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) a.y[(i + c) * a.ldy + n + r] = f_hsum(acc[r][c]);
  }
}

// The activations' packed form (MatmulOps): only the block-transposed kernel takes one.
size_t q8_packed_x_bytes(const MatmulArgs& a) {
  return a.n_act <= kQ8FewRows ? 0 : static_cast<size_t>(a.n_act * q8_groups(a.cols)) * sizeof(PackedXGroup);
}
void q8_pack_x(const MatmulArgs& a, void* out) { pack_q8_x(a, static_cast<PackedXGroup*>(out)); }

void matmul_q8_0_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
  if (a.n_act <= kQ8FewRows) {
    q8_matvec(a, n0, n1);
    return;
  }
  const int64_t groups = q8_groups(a.cols);
  const auto* px = static_cast<const PackedXGroup*>(a.x_packed);  // packed by the driver
  // Blocks of weight rows whose packed form stays in L2 beside the activations.
  int64_t block = (int64_t{192} << 10) / (groups * static_cast<int64_t>(sizeof(PackedWGroup)));
  block = block < kQ8TileR ? kQ8TileR : block / kQ8TileR * kQ8TileR;
  PackedWGroup* pw = scratch(t_packed_w, static_cast<size_t>(block * groups));
  for (int64_t nb = n0; nb < n1; nb += block) {
    const int64_t count = nb + block < n1 ? block : n1 - nb;
    pack_q8_w(a, nb, count, pw);
    // Weight tiles outer, activation tiles inner: a weight tile (R rows, a few KB) stays in
    // L1 while the activations stream from L2, 72/R bytes per dot instruction; the other
    // order streamed the larger weight tiles from L2 and ran at the L2's bandwidth.
    auto over_activations = [&](auto tile_r, int64_t r) {
      constexpr int TR = decltype(tile_r)::value;
      int64_t i = 0;
      for (; i + kQ8TileC <= a.n_act; i += kQ8TileC) {
        q8_packed_tile<TR, kQ8TileC>(pw + r * groups, px + i * groups, groups, a, nb + r, i);
      }
      for (; i < a.n_act; ++i) q8_packed_tile<TR, 1>(pw + r * groups, px + i * groups, groups, a, nb + r, i);
    };
    int64_t r = 0;
    for (; r + kQ8TileR <= count; r += kQ8TileR) over_activations(std::integral_constant<int, kQ8TileR>{}, r);
    for (; r < count; ++r) over_activations(std::integral_constant<int, 1>{}, r);
  }
}

void matmul_q6_k_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
  tiled_matmul<kQ6TileR, kQ6TileC, kQ6MatvecR, Q6Tile>(a, n0, n1);
}
