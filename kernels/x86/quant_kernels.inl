// Integer matrix-product kernels (Q8_0 x Q8_0 and Q6_K x Q8_K), written once, compiled per
// ISA. Included INSIDE an anonymous namespace by avx2_quant.cpp, avx512_quant.cpp and
// avx512vnni_quant.cpp, after they define the ISA's pieces:
//   IV / FV                      integer and float vector types
//   kQ8Step                      Q8_0 blocks per vector step (1 for 256-bit, 2 for 512-bit)
//   q8_qs(b), q8_qs_one(b)       the int8 quants of kQ8Step blocks (or of one, rest zero)
//   q8_block_scales(b, n)        the f16 scales of n consecutive blocks, one lane each
//   q8_row_scales(b, stride, n)  the f16 scales of the same block in n rows, one lane each
//   q8v_prep_x, q8v_init, q8v_dot   the int8 dot of the matrix-vector kernel:
//                                q8v_dot(q8v_init(x), w, q8v_prep_x(x)) gives int32 lanes whose
//                                sum per block is Σ w·x, exactly
//   q8v_block_sums(part[8])      eight steps' lanes to one lane per block, in block order
//   q8_transpose_rows(b, stride, out)   the same block of one int32 lane's worth of weight
//                                rows (stride bytes apart), transposed: vector k holds bytes
//                                4k..4k+3 of each row's quants
//   Q8PW, q8p_prep_w, q8p_load_w, q8p_acc, q8p_init_for   the int8 dot of the panel kernel:
//                                q8p_acc(acc, q8p_load_w(q8p_prep_w(w)), x4) adds w·x per lane
//                                for one broadcast dword x4 of activation quants; a lane's sum
//                                starting at q8p_init_for(the activation block's quants) is
//                                exactly Σ w·x
//   kQ6Chunks, Q6Row, q6_decode, q6_x, q6_acc, q6_finish   the Q6_K pieces (see q6_tile)
//   f_zero, f_cvt, f_mul, f_fma, f_set1, f_hsum and f_tree (the same order), i_zero,
//   i_set1
//   i_load, f_store              an aligned load, an unaligned store
//   kQ8PanelP/C, kQ6TileR/C, kQ6MatvecR   tile shapes
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

// ---- Q8_0 with several activation rows (prefill): weight panels, one weight row per lane
//
// Taken block by block, a Q8_0 product is one int8 dot instruction followed by float work
// (convert, scale, accumulate). So the weights are repacked into panels of kQ8Lanes rows:
// for each block, vector k holds bytes 4k..4k+3 of every row's block, one row per int32
// lane, and the activation's dword k is broadcast to all lanes. Eight int8 dot
// instructions leave every lane with its row's whole block dot; one convert, one scale
// multiply and one FMA then serve kQ8Lanes outputs, and each output ends in its own lane:
// no horizontal sum. (Measured on Zen 4, one core, in L1: 360 GOP/s against 260-310 for
// the earlier layout with one block per lane, which ended in a horizontal sum per output.)
//
// The arithmetic is the one-row kernel's exactly (batch invariance): per output, kQ8Lanes
// partial sums, partial j an FMA chain over blocks j, j + kQ8Lanes, ... in order, then
// f_hsum's tree. The one-row kernel keeps the partials in the lanes of one vector; here
// the blocks are visited partial by partial (slot-major: the panels are packed in that
// order), each partial's chain runs in a register, and the finished partials wait in L1
// for the tree (f_tree, a vertical f_hsum).
//
// Activations are packed once per call by the driver (q8_pack_x), weights once per block
// of rows that stays in L2, in per-thread scratch. Each output's arithmetic depends only on
// the row length, never on tiles or threads.

constexpr int kQ8Lanes = static_cast<int>(sizeof(IV) / 4);
constexpr int kQ8BlockVectors = kQ8_0Block / 4;  // 8 vectors of 4 bytes per block
static_assert(kQ8Lanes == kQ8GroupBlocksV, "the partials of both kernels are the vector's lanes");

struct alignas(64) PanelBlock {
  IV q[kQ8BlockVectors];  // q8p_prep_w of the transposed quants
  FV d;                   // the rows' scales
};
// One activation block as the panel kernel reads it: each dword is broadcast in turn.
struct PackedXBlock {
  int32_t q[kQ8BlockVectors];  // the quants, four per dword, as they are
  float d;
  int32_t init;  // where the lane sums start (q8p_init_for)
};
static_assert(sizeof(PackedXBlock) == 40, "dwords never straddle a cache line");

// Per-thread scratch for the weight panels, grown once and reused (no allocation per call at
// steady state).
thread_local std::vector<PanelBlock> t_panels;
template <class Packed>
Packed* scratch(std::vector<Packed>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Slot-major order of a row's nb blocks: blocks j, j + kQ8Lanes, ... for j = 0, 1, ...
// Partial j has nb / kQ8Lanes blocks, one more when j < nb % kQ8Lanes.
int64_t q8_slot_blocks(int64_t nb, int j) { return nb / kQ8Lanes + (j < nb % kQ8Lanes ? 1 : 0); }
int64_t q8_slot_position(int64_t nb, int64_t b) {
  const int64_t j = b % kQ8Lanes, q = nb / kQ8Lanes, r = nb % kQ8Lanes;
  return j * q + (j < r ? j : r) + b / kQ8Lanes;
}

// Block b of weight rows [n, n + rows), rows <= kQ8Lanes, as one panel block; missing rows
// are zero (their lanes are computed, never stored).
void pack_panel_block(const MatmulArgs& a, int64_t n, int64_t rows, int64_t b, PanelBlock& out) {
  const uint8_t* first = a.w + static_cast<size_t>(n) * a.w_stride + static_cast<size_t>(b) * sizeof(BlockQ8_0);
  IV raw[kQ8BlockVectors];
  if (rows == kQ8Lanes) {
    q8_transpose_rows(first, a.w_stride, raw);
  } else {
    alignas(64) int32_t bytes[kQ8BlockVectors][kQ8Lanes] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const auto* block = reinterpret_cast<const BlockQ8_0*>(first + static_cast<size_t>(r) * a.w_stride);
      for (int k = 0; k < kQ8BlockVectors; ++k) __builtin_memcpy(&bytes[k][r], block->qs + 4 * k, 4);
    }
    for (int k = 0; k < kQ8BlockVectors; ++k) raw[k] = i_load(bytes[k]);
  }
#pragma GCC unroll 8
  for (int k = 0; k < kQ8BlockVectors; ++k) out.q[k] = q8p_prep_w(raw[k]);
  out.d = q8_row_scales(first, a.w_stride, rows);
}

// Fetches a range into L2 in `steps` even shares, one per step().
class L2Prefetch {
 public:
  L2Prefetch(const uint8_t* p, size_t bytes, int64_t steps)
      : next_(p), end_(p + bytes), per_step_((bytes / 64 + static_cast<size_t>(steps)) / static_cast<size_t>(steps)) {}
  void step() {
    for (size_t i = 0; i < per_step_ && next_ < end_; ++i, next_ += 64) _mm_prefetch(reinterpret_cast<const char*>(next_), _MM_HINT_T1);
  }

 private:
  const uint8_t* next_;
  const uint8_t* end_;
  size_t per_step_;
};

void pack_q8_panel(const MatmulArgs& a, int64_t n, int64_t rows, PanelBlock* out) {
  const int64_t nb = a.cols / kQ8_0Block;
  for (int64_t b = 0; b < nb; ++b) pack_panel_block(a, n, rows, b, out[q8_slot_position(nb, b)]);
}

void pack_q8_x(const MatmulArgs& a, int64_t i0, int64_t i1, PackedXBlock* out) {
  const int64_t nb = a.cols / kQ8_0Block;
  for (int64_t i = i0; i < i1; ++i) {
    const auto* row = reinterpret_cast<const BlockQ8_0*>(a.x + static_cast<size_t>(i) * a.x_stride);
    PackedXBlock* o = out + i * nb;
    for (int64_t b = 0; b < nb; ++b) {
      PackedXBlock& p = o[q8_slot_position(nb, b)];
      __builtin_memcpy(p.q, row[b].qs, sizeof(p.q));
      p.d = _cvtsh_ss(row[b].d);
      p.init = q8p_init_for(row[b].qs);
    }
  }
}

// Panels p < P (panel p at pw + p * nb) against activation rows c < C (px + c * nb); weight
// rows from n, of which `rows` exist (the last panel may be partial); writes
// y[(i + c) * ldy + n + row].
template <int P, int C>
void q8_panel_tile(const PanelBlock* pw, const PackedXBlock* px, int64_t nb, const MatmulArgs& a, int64_t n,
                   int64_t rows, int64_t i) {
  alignas(64) FV partial[P][C][kQ8Lanes];
  int64_t t = 0;  // slot-major position
  for (int j = 0; j < kQ8Lanes; ++j) {
    FV acc[P][C];
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p)
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) acc[p][c] = f_zero();
    for (const int64_t end = t + q8_slot_blocks(nb, j); t < end; ++t) {
      IV isum[P][C];
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) isum[p][c] = i_set1(px[c * nb + t].init);
#pragma GCC unroll 16
      for (int k = 0; k < kQ8BlockVectors; ++k) {
        // Each weight vector is loaded once and used C times; the activation dword is a
        // broadcast operand of the dot instruction itself.
        Q8PW w[P];
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) w[p] = q8p_load_w(pw[p * nb + t].q[k]);
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
          const int32_t x4 = px[c * nb + t].q[k];
#pragma GCC unroll 16
          for (int p = 0; p < P; ++p) isum[p][c] = q8p_acc(isum[p][c], w[p], x4);
        }
      }
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const FV dw = pw[p * nb + t].d;
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) acc[p][c] = f_fma(f_cvt(isum[p][c]), f_mul(dw, f_set1(px[c * nb + t].d)), acc[p][c]);
      }
    }
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p)
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) partial[p][c][j] = acc[p][c];
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    const int64_t valid = rows - int64_t{p} * kQ8Lanes < kQ8Lanes ? rows - int64_t{p} * kQ8Lanes : kQ8Lanes;
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float* y = a.y + (i + c) * a.ldy + n + int64_t{p} * kQ8Lanes;
      const FV out = f_tree(partial[p][c]);
      if (valid == kQ8Lanes) {
        f_store(y, out);
      } else {
        alignas(64) float lanes[kQ8Lanes];
        f_store(lanes, out);
        for (int64_t r = 0; r < valid; ++r) y[r] = lanes[r];
      }
    }
  }
}

// Activation rows [i, i + C) against a block's panels: P at a time, then one at a time.
template <int C>
void q8_panels(const PanelBlock* pw, int64_t panels, int64_t rows, const PackedXBlock* px, int64_t nb,
               const MatmulArgs& a, int64_t n, int64_t i) {
  int64_t p = 0;
  for (; p + kQ8PanelP <= panels; p += kQ8PanelP) {
    q8_panel_tile<kQ8PanelP, C>(pw + p * nb, px + i * nb, nb, a, n + p * kQ8Lanes, rows - p * kQ8Lanes, i);
  }
  for (; p < panels; ++p) q8_panel_tile<1, C>(pw + p * nb, px + i * nb, nb, a, n + p * kQ8Lanes, rows - p * kQ8Lanes, i);
}


// Activation rows [i0, i1) in tiles of C rows; what is left, in tiles of fewer.
template <int C>
void q8_activation_tiles(const PanelBlock* pw, int64_t panels, int64_t rows, const PackedXBlock* px, int64_t nb,
                         const MatmulArgs& a, int64_t n, int64_t i0, int64_t i1, L2Prefetch& prefetch) {
  int64_t i = i0;
  for (; i + C <= i1; i += C) {
    q8_panels<C>(pw, panels, rows, px, nb, a, n, i);
    prefetch.step();
  }
  if constexpr (C > 1) {
    if (i < i1) q8_activation_tiles<C - 1>(pw, panels, rows, px, nb, a, n, i, i1, prefetch);
  }
}

// The activations' packed form (MatmulOps): only the panel kernel takes one.
size_t q8_packed_x_bytes(const MatmulArgs& a) {
  return a.n_act <= kQ8FewRows ? 0 : static_cast<size_t>(a.n_act * (a.cols / kQ8_0Block)) * sizeof(PackedXBlock);
}
void q8_pack_x(const MatmulArgs& a, int64_t i0, int64_t i1, void* out) {
  pack_q8_x(a, i0, i1, static_cast<PackedXBlock*>(out));
}

void matmul_q8_0_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
  if (a.n_act <= kQ8FewRows) {
    q8_matvec(a, n0, n1);
    return;
  }
  const int64_t nb = a.cols / kQ8_0Block;
  const auto* px = static_cast<const PackedXBlock*>(a.x_packed);  // packed by the driver
  // Blocks of weight rows whose panels stay in L2 beside the activations, whole tiles of
  // panels where the rows allow.
  constexpr int64_t kTileRows = int64_t{kQ8PanelP} * kQ8Lanes;
  const int64_t row_bytes = nb * static_cast<int64_t>(sizeof(PanelBlock)) / kQ8Lanes;
  const int64_t block = std::max(kTileRows, (int64_t{192} << 10) / row_bytes / kTileRows * kTileRows);
  PanelBlock* pw = scratch(t_panels, static_cast<size_t>(block / kQ8Lanes * nb));
  for (int64_t n = n0; n < n1; n += block) {
    const int64_t rows = std::min(block, n1 - n);
    const int64_t panels = (rows + kQ8Lanes - 1) / kQ8Lanes;
    for (int64_t p = 0; p < panels; ++p) {
      pack_q8_panel(a, n + p * kQ8Lanes, std::min<int64_t>(kQ8Lanes, rows - p * kQ8Lanes), pw + p * nb);
    }
    // Activation tiles outer: a tile (C rows, under 8 KB at 1024 columns) stays in L1 while
    // the panels stream from L2. Meanwhile the next block's rows are fetched for packing
    // (without, waiting for them took 10-17 % of a product).
    const int64_t next_rows = std::min(block, n1 - n - rows);
    L2Prefetch next(a.w + static_cast<size_t>(n + rows) * a.w_stride, static_cast<size_t>(next_rows) * a.w_stride,
                    (a.n_act + kQ8PanelC - 1) / kQ8PanelC);
    q8_activation_tiles<kQ8PanelC>(pw, panels, rows, px, nb, a, n, 0, a.n_act, next);
  }
}

void matmul_q6_k_simd(const MatmulArgs& a, int64_t n0, int64_t n1) {
  tiled_matmul<kQ6TileR, kQ6TileC, kQ6MatvecR, Q6Tile>(a, n0, n1);
}
