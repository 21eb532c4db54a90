// SPDX-License-Identifier: Apache-2.0
// Float kernels written once over xsimd batches and an ISA's hook type H, a struct of static
// functions and types whose contract is the FloatHooks concept (kernels/simd/float_hooks.h):
// the pieces xsimd 8.1 lacks (f16/bf16 loads and stores, RoPE shuffles, rounding, the
// quantizers' max and int8 store) and the matrix tile shape. Included INSIDE the anonymous
// namespace of each ISA's *_float.cpp (kernels/x86/, kernels/arm/): with H local to that
// file, everything here has internal linkage, so no copy compiled with one ISA's flags can
// be picked by the linker for another.

template <FloatHooks H>
struct FloatKernels {
  using F = typename H::F;
  using D = typename H::D;
  static constexpr int64_t kLanes = H::kLanes;
  static constexpr int kTileR = H::kTileR;
  static constexpr int kTileC = H::kTileC;

  // ---- partial vectors: tails of any length (also n < kLanes) go through a zeroed buffer,
  // so the same vector code handles every element.

  static F load_f32_n(const float* p, int64_t n) {
    alignas(64) float buf[kLanes] = {};
    for (int64_t i = 0; i < n; ++i) buf[i] = p[i];
    return F::load_aligned(buf);
  }
  static void store_f32_n(float* p, F v, int64_t n) {
    alignas(64) float buf[kLanes];
    v.store_aligned(buf);
    for (int64_t i = 0; i < n; ++i) p[i] = buf[i];
  }
  static F load_f16_n(const uint16_t* p, int64_t n) {
    alignas(64) uint16_t buf[kLanes] = {};
    for (int64_t i = 0; i < n; ++i) buf[i] = p[i];
    return H::load_f16(buf);
  }
  static void store_f16_n(uint16_t* p, F v, int64_t n) {
    alignas(64) uint16_t buf[kLanes];
    H::store_f16(buf, v);
    for (int64_t i = 0; i < n; ++i) p[i] = buf[i];
  }
  static F load_bf16_n(const uint16_t* p, int64_t n) {
    alignas(64) uint16_t buf[kLanes] = {};
    for (int64_t i = 0; i < n; ++i) buf[i] = p[i];
    return H::load_bf16(buf);
  }

  // Applies op(k, count) over [0, n) in full vectors, then once for the tail.
  template <class Op>
  static void for_each_vector(int64_t n, Op op) {
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes) op(k, kLanes);
    if (k < n) op(k, n - k);
  }

  // ---- dot products (four accumulators to cover the FMA latency)

  template <class LoadB>
  static float dot_generic(const float* a, int64_t n, LoadB load_b) {
    F acc0(0.0f), acc1(0.0f), acc2(0.0f), acc3(0.0f);
    int64_t k = 0;
    for (; k + 4 * kLanes <= n; k += 4 * kLanes) {
      acc0 = xsimd::fma(F::load_unaligned(a + k), load_b(k, kLanes), acc0);
      acc1 = xsimd::fma(F::load_unaligned(a + k + kLanes), load_b(k + kLanes, kLanes), acc1);
      acc2 = xsimd::fma(F::load_unaligned(a + k + 2 * kLanes), load_b(k + 2 * kLanes, kLanes), acc2);
      acc3 = xsimd::fma(F::load_unaligned(a + k + 3 * kLanes), load_b(k + 3 * kLanes, kLanes), acc3);
    }
    for (; k + kLanes <= n; k += kLanes) acc0 = xsimd::fma(F::load_unaligned(a + k), load_b(k, kLanes), acc0);
    if (k < n) acc0 = xsimd::fma(load_f32_n(a + k, n - k), load_b(k, n - k), acc0);
    return xsimd::hadd((acc0 + acc1) + (acc2 + acc3));
  }

  static float simd_dot_f32(const float* a, const float* b, int64_t n) {
    return dot_generic(a, n, [b](int64_t k, int64_t c) { return c == kLanes ? F::load_unaligned(b + k) : load_f32_n(b + k, c); });
  }

  static float simd_dot_f32_f16(const float* a, const uint16_t* b, int64_t n) {
    return dot_generic(a, n, [b](int64_t k, int64_t c) { return c == kLanes ? H::load_f16(b + k) : load_f16_n(b + k, c); });
  }

  // ---- element-wise routines

  static void simd_axpy_f32(float a, const float* x, float* y, int64_t n) {
    const F va(a);
    for_each_vector(n, [&](int64_t k, int64_t c) {
      if (c == kLanes) {
        xsimd::fma(va, F::load_unaligned(x + k), F::load_unaligned(y + k)).store_unaligned(y + k);
      } else {
        store_f32_n(y + k, xsimd::fma(va, load_f32_n(x + k, c), load_f32_n(y + k, c)), c);
      }
    });
  }

  static void simd_axpy_f16(float a, const uint16_t* x, float* y, int64_t n) {
    const F va(a);
    for_each_vector(n, [&](int64_t k, int64_t c) {
      if (c == kLanes) {
        xsimd::fma(va, H::load_f16(x + k), F::load_unaligned(y + k)).store_unaligned(y + k);
      } else {
        store_f32_n(y + k, xsimd::fma(va, load_f16_n(x + k, c), load_f32_n(y + k, c)), c);
      }
    });
  }

  // ---- gathered rows (attention over a sequence's cells): the single-row kernels inlined in
  // one loop. The rows are scattered (cells of the KV pool, a pool row apart), so the hardware
  // cannot guess them: each row is fetched kRowsAhead rows before it is used, all of its
  // cache lines (a head of 64 halves is two), far enough to cover a miss to L3.
  static constexpr int64_t kRowsAhead = 8;

  template <class T>
  static void prefetch_row(const T* row, int64_t n) {
    const auto* p = reinterpret_cast<const char*>(row);
    for (int64_t b = 0; b < n * static_cast<int64_t>(sizeof(T)); b += 64) __builtin_prefetch(p + b);
  }

  // Rows of exactly V full vectors (a head of 64 is 4 on 512-bit paths, 8 on AVX2): the
  // loop of dot_generic with its bounds known, queries kept in registers, two rows at a time
  // so that one row's reduction overlaps the other's products. Each row's arithmetic is
  // dot_generic's, step for step, so the result is the same bits.
  template <int V, class T, class Load>
  static void dot_rows_full(const float* q, const T* base, size_t stride, const int32_t* index, int64_t count, float scale,
                     float* out, Load load) {
    F qv[V];
  #pragma GCC unroll 16
    for (int v = 0; v < V; ++v) qv[v] = F::load_unaligned(q + v * kLanes);
    auto one = [&](const T* row) {
      F acc[4] = {F(0.0f), F(0.0f), F(0.0f), F(0.0f)};
  #pragma GCC unroll 16
      for (int v = 0; v < V; ++v) {
        const int slot = v < (V / 4) * 4 ? v % 4 : 0;  // dot_generic: groups of four, then acc0
        acc[slot] = xsimd::fma(qv[v], load(row + v * kLanes), acc[slot]);
      }
      return xsimd::hadd((acc[0] + acc[1]) + (acc[2] + acc[3]));
    };
    int64_t i = 0;
    for (; i + 2 <= count; i += 2) {
      if (i + kRowsAhead < count) prefetch_row(base + static_cast<size_t>(index[i + kRowsAhead]) * stride, V * kLanes);
      if (i + 1 + kRowsAhead < count) prefetch_row(base + static_cast<size_t>(index[i + 1 + kRowsAhead]) * stride, V * kLanes);
      const float d0 = one(base + static_cast<size_t>(index[i]) * stride);
      const float d1 = one(base + static_cast<size_t>(index[i + 1]) * stride);
      out[i] = scale * d0;
      out[i + 1] = scale * d1;
    }
    if (i < count) out[i] = scale * one(base + static_cast<size_t>(index[i]) * stride);
  }

  template <class T, class Row, class Load>
  static void dot_rows_generic(const float* q, const T* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                        float scale, float* out, Row row_dot, Load load) {
    if (n == 4 * kLanes) return dot_rows_full<4>(q, base, stride, index, count, scale, out, load);
    if (n == 8 * kLanes) return dot_rows_full<8>(q, base, stride, index, count, scale, out, load);
    for (int64_t i = 0; i < count; ++i) {
      if (i + kRowsAhead < count) prefetch_row(base + static_cast<size_t>(index[i + kRowsAhead]) * stride, n);
      out[i] = scale * row_dot(q, base + static_cast<size_t>(index[i]) * stride, n);
    }
  }

  static void simd_dot_rows_f32(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count,
                         int64_t n, float scale, float* out) {
    dot_rows_generic(q, base, stride, index, count, n, scale, out, simd_dot_f32,
                     [](const float* p) { return F::load_unaligned(p); });
  }

  static void simd_dot_rows_f16(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count,
                         int64_t n, float scale, float* out) {
    dot_rows_generic(q, base, stride, index, count, n, scale, out, simd_dot_f32_f16,
                     [](const uint16_t* p) { return H::load_f16(p); });
  }

  // y += Σ_i w[i] · row i, the rows' terms added in order i as one FMA per element each,
  // exactly as a loop of axpy calls would; but y stays in registers across the rows (up to
  // kAxpyVectors vectors at a time) instead of going through memory for every row, which
  // chained each row's loads to the previous row's stores.
  static constexpr int kAxpyVectors = 4;

  // kAxpyVectors full vectors of y from k0: the loop below without its bounds checks.
  template <class T, class LoadRow>
  static void axpy_rows_chunk(const float* w, const T* base, size_t stride, const int32_t* index, int64_t count, int64_t k0,
                       float* y, LoadRow load) {
    F acc[kAxpyVectors];
  #pragma GCC unroll 4
    for (int v = 0; v < kAxpyVectors; ++v) acc[v] = F::load_unaligned(y + k0 + v * kLanes);
    for (int64_t i = 0; i < count; ++i) {
      if (i + kRowsAhead < count) prefetch_row(base + static_cast<size_t>(index[i + kRowsAhead]) * stride + k0, kAxpyVectors * kLanes);
      const T* row = base + static_cast<size_t>(index[i]) * stride + k0;
      const F wi(w[i]);
  #pragma GCC unroll 4
      for (int v = 0; v < kAxpyVectors; ++v) acc[v] = xsimd::fma(wi, load(row + v * kLanes, kLanes), acc[v]);
    }
  #pragma GCC unroll 4
    for (int v = 0; v < kAxpyVectors; ++v) acc[v].store_unaligned(y + k0 + v * kLanes);
  }

  template <class T, class LoadRow>
  static void axpy_rows_generic(const float* w, const T* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                         float* y, LoadRow load) {
    for (int64_t k0 = 0; k0 < n; k0 += kAxpyVectors * kLanes) {
      const int64_t width = std::min<int64_t>(kAxpyVectors * kLanes, n - k0);
      if (width == kAxpyVectors * kLanes) {
        axpy_rows_chunk(w, base, stride, index, count, k0, y, load);
        continue;
      }
      F acc[kAxpyVectors];
  #pragma GCC unroll 4
      for (int v = 0; v < kAxpyVectors; ++v) {
        const int64_t c = std::clamp<int64_t>(width - v * kLanes, 0, kLanes);
        acc[v] = c == kLanes ? F::load_unaligned(y + k0 + v * kLanes) : c > 0 ? load_f32_n(y + k0 + v * kLanes, c) : F(0.0f);
      }
      for (int64_t i = 0; i < count; ++i) {
        if (i + kRowsAhead < count) prefetch_row(base + static_cast<size_t>(index[i + kRowsAhead]) * stride + k0, width);
        const T* row = base + static_cast<size_t>(index[i]) * stride + k0;
        const F wi(w[i]);
  #pragma GCC unroll 4
        for (int v = 0; v < kAxpyVectors; ++v) {
          const int64_t c = std::clamp<int64_t>(width - v * kLanes, 0, kLanes);
          if (c > 0) acc[v] = xsimd::fma(wi, load(row + v * kLanes, c), acc[v]);
        }
      }
  #pragma GCC unroll 4
      for (int v = 0; v < kAxpyVectors; ++v) {
        const int64_t c = std::clamp<int64_t>(width - v * kLanes, 0, kLanes);
        if (c == kLanes) {
          acc[v].store_unaligned(y + k0 + v * kLanes);
        } else if (c > 0) {
          store_f32_n(y + k0 + v * kLanes, acc[v], c);
        }
      }
    }
  }

  static void simd_axpy_rows_f32(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count,
                          int64_t n, float* y) {
    axpy_rows_generic(w, base, stride, index, count, n, y,
                      [](const float* p, int64_t c) { return c == kLanes ? F::load_unaligned(p) : load_f32_n(p, c); });
  }

  static void simd_axpy_rows_f16(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count,
                          int64_t n, float* y) {
    axpy_rows_generic(w, base, stride, index, count, n, y,
                      [](const uint16_t* p, int64_t c) { return c == kLanes ? H::load_f16(p) : load_f16_n(p, c); });
  }

  // Applies f to one or two input vectors and stores the result, for full and partial vectors.
  template <class Fn>
  static void map2(const float* a, const float* b, float* out, int64_t n, Fn f) {
    for_each_vector(n, [&](int64_t k, int64_t c) {
      if (c == kLanes) {
        f(F::load_unaligned(a + k), F::load_unaligned(b + k)).store_unaligned(out + k);
      } else {
        store_f32_n(out + k, f(load_f32_n(a + k, c), load_f32_n(b + k, c)), c);
      }
    });
  }

  static void simd_add(float* y, const float* x, int64_t n) {
    map2(y, x, y, n, [](F a, F b) { return a + b; });
  }

  static void simd_scale(float* y, float s, int64_t n) {
    const F vs(s);
    map2(y, y, y, n, [vs](F a, F) { return a * vs; });
  }

  static void simd_rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps) {
    D acc_lo(0.0), acc_hi(0.0);
    for_each_vector(n, [&](int64_t k, int64_t c) {
      D lo, hi;
      H::widen(c == kLanes ? F::load_unaligned(x + k) : load_f32_n(x + k, c), lo, hi);
      acc_lo = xsimd::fma(lo, lo, acc_lo);
      acc_hi = xsimd::fma(hi, hi, acc_hi);
    });
    const double sum = xsimd::hadd(acc_lo + acc_hi);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const F inv(1.0f / std::sqrt(mean + eps));
    if (gain != nullptr) {
      map2(x, gain, y, n, [inv](F a, F g) { return a * inv * g; });
    } else {
      map2(x, x, y, n, [inv](F a, F) { return a * inv; });
    }
  }

  static float simd_softmax(float* x, int64_t n) {
    F vmax(-INFINITY);
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes) vmax = xsimd::max(vmax, F::load_unaligned(x + k));
    alignas(64) float lanes[kLanes];
    vmax.store_aligned(lanes);
    float max = -INFINITY;
    for (int64_t i = 0; i < kLanes; ++i) max = max > lanes[i] ? max : lanes[i];
    for (int64_t i = k; i < n; ++i) max = max > x[i] ? max : x[i];
    if (std::isinf(max) && max < 0.0f) {  // every entry masked out: no distribution to form
      for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
      return 0.0f;
    }
    const F vm(max);
    D sum_lo(0.0), sum_hi(0.0);
    double tail = 0.0;
    for_each_vector(n, [&](int64_t j, int64_t c) {
      if (c == kLanes) {
        const F e = xsimd::exp(F::load_unaligned(x + j) - vm);
        e.store_unaligned(x + j);
        D lo, hi;
        H::widen(e, lo, hi);
        sum_lo += lo;
        sum_hi += hi;
      } else {
        store_f32_n(x + j, xsimd::exp(load_f32_n(x + j, c) - vm), c);
        for (int64_t i = 0; i < c; ++i) tail += static_cast<double>(x[j + i]);
      }
    });
    const double sum = xsimd::hadd(sum_lo + sum_hi) + tail;
    const F inv(static_cast<float>(1.0 / sum));
    map2(x, x, x, n, [inv](F a, F) { return a * inv; });
    return static_cast<float>(sum);
  }

  static F silu_vec(F g) { return g / (F(1.0f) + xsimd::exp(-g)); }

  // Mish(x) = x·tanh(softplus(x)) rewritten with e = exp(-|x|), which never overflows:
  // x >= 0: tanh(softplus(x)) = (1 + 2e) / (1 + 2e + 2e²); x < 0: e(e + 2) / (e(e + 2) + 2).
  static F mish_vec(F g) {
    const F e = xsimd::exp(-xsimd::abs(g));
    const F num_pos = xsimd::fma(F(2.0f), e, F(1.0f));
    const F den_pos = xsimd::fma(F(2.0f) * e, e, num_pos);
    const F num_neg = e * (e + F(2.0f));
    const F den_neg = num_neg + F(2.0f);
    const auto positive = g >= F(0.0f);
    return g * (xsimd::select(positive, num_pos, num_neg) / xsimd::select(positive, den_pos, den_neg));
  }

  static void simd_silu_mul(const float* gate, const float* up, float* out, int64_t n) {
    map2(gate, up, out, n, [](F g, F u) { return silu_vec(g) * u; });
  }

  static void simd_mish_mul(const float* gate, const float* up, float* out, int64_t n) {
    map2(gate, up, out, n, [](F g, F u) { return mish_vec(g) * u; });
  }

  static void simd_rope_pairs(float* x, const float* cos, const float* sin, int64_t n_pairs) {
    constexpr int64_t kPairs = kLanes / 2;
    alignas(64) float sign_buf[kLanes];
    for (int64_t i = 0; i < kLanes; ++i) sign_buf[i] = i % 2 == 0 ? -1.0f : 1.0f;
    const F sign = F::load_aligned(sign_buf);
    int64_t p = 0;
    for (; p + kPairs <= n_pairs; p += kPairs) {
      const F v = F::load_unaligned(x + 2 * p);
      const F c = H::dup_pairs(cos + p);
      const F s = H::dup_pairs(sin + p) * sign;  // (-s, s): y0 = a·c - b·s, y1 = b·c + a·s
      xsimd::fma(v, c, H::swap_pairs(v) * s).store_unaligned(x + 2 * p);
    }
    for (; p < n_pairs; ++p) {
      const float a = x[2 * p];
      const float b = x[2 * p + 1];
      x[2 * p] = a * cos[p] - b * sin[p];
      x[2 * p + 1] = a * sin[p] + b * cos[p];
    }
  }

  static void simd_f32_to_f16(const float* x, uint16_t* y, int64_t n) {
    for_each_vector(n, [&](int64_t k, int64_t c) {
      if (c == kLanes) {
        H::store_f16(y + k, F::load_unaligned(x + k));
      } else {
        store_f16_n(y + k, load_f32_n(x + k, c), c);
      }
    });
  }

  static void simd_f16_to_f32(const uint16_t* x, float* y, int64_t n) {
    for_each_vector(n, [&](int64_t k, int64_t c) {
      if (c == kLanes) {
        H::load_f16(x + k).store_unaligned(y + k);
      } else {
        store_f32_n(y + k, load_f16_n(x + k, c), c);
      }
    });
  }

  // ---- activation quantizers (Q8_0, Q8_K): byte-identical to the scalar reference
  //
  // The reference rounds with roundf (Q8_0, half away from zero) and nearest-even (Q8_K),
  // maps NaN to 0 and clamps to [-127, 127]; these do the same lane by lane. The block
  // maximum ignores NaN like the reference's std::max (max_or_second returns its second
  // operand when either is NaN, so the running maximum goes second).

  static F round_half_away(F v) {
    const F t = xsimd::trunc(v);
    const F away = xsimd::select(v < F(0.0f), t - F(1.0f), t + F(1.0f));
    return xsimd::select(xsimd::abs(v - t) >= F(0.5f), away, t);
  }

  // NaN to 0, then clamp: the values the reference's int8 conversion produces.
  static F to_int8_range(F r) {
    const F no_nan = xsimd::select(xsimd::isnan(r), F(0.0f), r);
    return xsimd::min(xsimd::max(no_nan, F(-127.0f)), F(127.0f));
  }

  static float block_abs_max(const float* x, int64_t n) {
    F m(0.0f);
    for (int64_t j = 0; j < n; j += kLanes) m = H::max_or_second(xsimd::abs(F::load_unaligned(x + j)), m);
    alignas(64) float lanes[kLanes];
    m.store_aligned(lanes);
    float amax = 0.0f;
    for (int64_t i = 0; i < kLanes; ++i) amax = amax < lanes[i] ? lanes[i] : amax;
    return amax;
  }

  static void simd_quantize_q8_0(const float* x, void* dst, int64_t n) {
    auto* out = static_cast<BlockQ8_0*>(dst);
    for (int64_t b = 0; b < n / kQ8_0Block; ++b) {
      const float* xb = x + b * kQ8_0Block;
      const float d = block_abs_max(xb, kQ8_0Block) / 127.0f;
      const float id = d != 0.0f ? 1.0f / d : 0.0f;
      out[b].d = H::f16_of(d);
      for (int64_t j = 0; j < kQ8_0Block; j += kLanes) {
        H::store_i8(out[b].qs + j, to_int8_range(round_half_away(F::load_unaligned(xb + j) * F(id))));
      }
    }
  }

  static void simd_quantize_q8_k(const float* x, void* dst, int64_t n) {
    auto* out = static_cast<BlockQ8_K*>(dst);
    for (int64_t b = 0; b < n / kSuperBlock; ++b) {
      const float* xb = x + b * kSuperBlock;
      BlockQ8_K& blk = out[b];
      const float amax = block_abs_max(xb, kSuperBlock);
      if (amax == 0.0f) {
        __builtin_memset(&blk, 0, sizeof blk);
        continue;
      }
      float max = 0.0f;  // the first element of largest magnitude, with its sign
      for (int64_t j = 0; j < kSuperBlock; ++j) {
        if ((xb[j] < 0.0f ? -xb[j] : xb[j]) == amax) {
          max = xb[j];
          break;
        }
      }
      const float iscale = -127.0f / max;
      for (int64_t j = 0; j < kSuperBlock; j += kLanes) {
        H::store_i8(blk.qs + j, to_int8_range(H::round_even(F::load_unaligned(xb + j) * F(iscale))));
      }
      for (int g = 0; g < 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
        blk.bsums[g] = static_cast<int16_t>(sum);
      }
      blk.d = 1.0f / iscale;
    }
  }

  // ---- matrix products with float weights and f32 activations
  //
  // A tile of R weight rows x C activation rows keeps R·C accumulators in registers; every
  // output is the same sequence of FMAs over k followed by the same horizontal sum, whatever
  // the tile shape, so results never depend on how rows are split.

  struct WeightF32 {
    static constexpr int64_t kBytes = 4;
    static F load(const uint8_t* row, int64_t k) { return F::load_unaligned(reinterpret_cast<const float*>(row) + k); }
    static F load_n(const uint8_t* row, int64_t k, int64_t c) {
      return load_f32_n(reinterpret_cast<const float*>(row) + k, c);
    }
  };
  struct WeightF16 {
    static constexpr int64_t kBytes = 2;
    static F load(const uint8_t* row, int64_t k) { return H::load_f16(reinterpret_cast<const uint16_t*>(row) + k); }
    static F load_n(const uint8_t* row, int64_t k, int64_t c) {
      return load_f16_n(reinterpret_cast<const uint16_t*>(row) + k, c);
    }
  };
  struct WeightBF16 {
    static constexpr int64_t kBytes = 2;
    static F load(const uint8_t* row, int64_t k) { return H::load_bf16(reinterpret_cast<const uint16_t*>(row) + k); }
    static F load_n(const uint8_t* row, int64_t k, int64_t c) {
      return load_bf16_n(reinterpret_cast<const uint16_t*>(row) + k, c);
    }
  };

  template <class W, int R, int C>
  static void float_tile(const MatmulArgs& a, int64_t n, int64_t i) {
    const uint8_t* w[R];
    const float* x[C];
    for (int r = 0; r < R; ++r) w[r] = a.w + static_cast<size_t>(n + r) * a.w_stride;
    for (int c = 0; c < C; ++c) x[c] = reinterpret_cast<const float*>(a.x + static_cast<size_t>(i + c) * a.x_stride);
    F acc[R][C];
  #pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
  #pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = F(0.0f);
    const int64_t K = a.cols;
    int64_t k = 0;
    for (; k + kLanes <= K; k += kLanes) {
      // One weight row streamed at a time (decode, few activation rows): fetch the stream
      // ahead (kStreamAheadBytes).
      if constexpr (R == 1) __builtin_prefetch(w[0] + kStreamAheadBytes + k * W::kBytes);
      F wv[R];
  #pragma GCC unroll 8
      for (int r = 0; r < R; ++r) wv[r] = W::load(w[r], k);
  #pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const F xv = F::load_unaligned(x[c] + k);
  #pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[r][c] = xsimd::fma(wv[r], xv, acc[r][c]);
      }
    }
    if (k < K) {
      for (int r = 0; r < R; ++r) {
        const F wv = W::load_n(w[r], k, K - k);
        for (int c = 0; c < C; ++c) acc[r][c] = xsimd::fma(wv, load_f32_n(x[c] + k, K - k), acc[r][c]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) a.y[(i + c) * a.ldy + n + r] = xsimd::hadd(acc[r][c]);
  }

  // Up to kFewRows activation rows (decoding one token, or a few variants together): the
  // weights come from DRAM, so each weight row is streamed once, alone (one sequential stream
  // with a prefetch one row ahead: measured on Zen 4, F16 32006x1024 one thread cold, 4-row
  // tiles read 10-12 GB/s, one row 22-24), against every activation row while it sits in L1.
  // The tiles are float_tile's, so a row's result is the same whatever the batch.
  static constexpr int64_t kFewRows = 2 * kTileC;

  template <class W>
  static void float_few_rows(const MatmulArgs& a, int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t i = 0; i < a.n_act;) {
        const int64_t left = a.n_act - i;
        if (left >= kTileC) {
          float_tile<W, 1, kTileC>(a, n, i);
          i += kTileC;
        } else if (left >= 4) {
          float_tile<W, 1, 4>(a, n, i);
          i += 4;
        } else if (left >= 2) {
          float_tile<W, 1, 2>(a, n, i);
          i += 2;
        } else {
          float_tile<W, 1, 1>(a, n, i);
          i += 1;
        }
      }
    }
  }

  // Weight rows [n0, n1) against all activation rows, tile by tile. Rows are taken in blocks
  // of kRowBlock so a block's weights stay in L2 while every activation tile passes over them.
  template <class W>
  static void float_matmul(const MatmulArgs& a, int64_t n0, int64_t n1) {
    if (a.n_act <= kFewRows) {
      float_few_rows<W>(a, n0, n1);
      return;
    }
    constexpr int64_t kRowBlock = 12 * kTileR;
    for (int64_t nb = n0; nb < n1; nb += kRowBlock) {
      const int64_t ne = nb + kRowBlock < n1 ? nb + kRowBlock : n1;
      int64_t i = 0;
      for (; i + kTileC <= a.n_act; i += kTileC) {
        int64_t n = nb;
        for (; n + kTileR <= ne; n += kTileR) float_tile<W, kTileR, kTileC>(a, n, i);
        for (; n < ne; ++n) float_tile<W, 1, kTileC>(a, n, i);
      }
      for (; i < a.n_act; ++i) {
        int64_t n = nb;
        for (; n + kTileR <= ne; n += kTileR) float_tile<W, kTileR, 1>(a, n, i);
        for (; n < ne; ++n) float_tile<W, 1, 1>(a, n, i);
      }
    }
  }

  // ---- BF16 pairs (lossy; MatrixLayout::bf16_pairs, blocks.h): BF16 weight panels against
  // activations rounded to BF16. Lane r of a panel vector is row r's pair p; every output is
  // one chain over the pairs in order, the odd element of a pair first: ref::dot_bf16_pairs,
  // bit for bit, on every path, whatever the tile. A hook type with dot_bf16_pairs
  // (vdpbf16ps) does a pair step in one instruction; the others with two FMAs on the pairs'
  // halves (exact products, one rounding each: the same bits for normal numbers; vdpbf16ps
  // also reads subnormal weights and sums as zero, which BF16 made from F16 never has).
  using U = xsimd::batch<uint32_t, typename F::arch_type>;
  static constexpr bool kNativePairs = requires(F acc, U w) { H::dot_bf16_pairs(acc, w, w); };
  static constexpr int kPanelVectors = kBf16PanelRows / kLanes;  // vectors per panel and pair
  static_assert(kPanelVectors * kLanes == kBf16PanelRows);
  // Tile: kPairPanels panels x kPairCols activation rows of accumulators. The FMA version
  // also holds each weight vector's two halves.
  static constexpr int kPairPanels = kNativePairs ? 4 : 1;
  static constexpr int kPairCols = kNativePairs ? 6 : (kTileR * kTileC) / (2 * kPanelVectors);

  // Pair p of activation row x, in every lane.
  static U pair_of(const uint16_t* x, int64_t p) {
    uint32_t v;
    std::memcpy(&v, x + 2 * p, 4);
    return U(v);
  }
  static F pair_step(F acc, U w, U x) {
    if constexpr (kNativePairs) {
      return H::dot_bf16_pairs(acc, w, x);
    } else {
      const U high(0xFFFF0000u);
      acc = xsimd::fma(xsimd::bitwise_cast<F>(w & high), xsimd::bitwise_cast<F>(x & high), acc);
      return xsimd::fma(xsimd::bitwise_cast<F>(w << 16), xsimd::bitwise_cast<F>(x << 16), acc);
    }
  }

  // Panels [p0, p0 + P) (weight rows from 16 p0) against activation rows [i, i + C); rows
  // from `rows` on (the last panel's zero rows) are not written.
  template <int P, int C>
  static void pair_tile(const MatmulArgs& a, int64_t rows, int64_t p0, int64_t i) {
    const int64_t pairs = bf16_pair_count(a.cols), padded = 2 * pairs;
    const uint8_t* w[P];
    const uint16_t* x[C];
    for (int q = 0; q < P; ++q) w[q] = a.w + static_cast<size_t>(p0 + q) * a.w_stride;
    for (int c = 0; c < C; ++c) x[c] = static_cast<const uint16_t*>(a.x_packed) + (i + c) * padded;
    F acc[P][C][kPanelVectors];
  #pragma GCC unroll 8
    for (int q = 0; q < P; ++q)
  #pragma GCC unroll 8
      for (int c = 0; c < C; ++c)
        for (int g = 0; g < kPanelVectors; ++g) acc[q][c][g] = F(0.0f);
    for (int64_t p = 0; p < pairs; ++p) {
      if constexpr (C <= 2) {  // few activation rows: the weights stream from memory
  #pragma GCC unroll 8
        for (int q = 0; q < P; ++q) __builtin_prefetch(w[q] + kStreamAheadBytes + p * kBf16PanelRows * 4);
      }
  #pragma GCC unroll 8
      for (int g = 0; g < kPanelVectors; ++g) {
        U wv[P];
  #pragma GCC unroll 8
        for (int q = 0; q < P; ++q) wv[q] = U::load_aligned(reinterpret_cast<const uint32_t*>(w[q] + p * kBf16PanelRows * 4) + g * kLanes);
  #pragma GCC unroll 8
        for (int c = 0; c < C; ++c) {
          const U xv = pair_of(x[c], p);
  #pragma GCC unroll 8
          for (int q = 0; q < P; ++q) acc[q][c][g] = pair_step(acc[q][c][g], wv[q], xv);
        }
      }
    }
    for (int q = 0; q < P; ++q) {
      const int64_t row0 = (p0 + q) * kBf16PanelRows;
      for (int g = 0; g < kPanelVectors; ++g) {
        const int64_t r0 = row0 + g * kLanes;
        const int64_t valid = rows - r0 >= kLanes ? kLanes : rows - r0;
        if (valid <= 0) break;
        for (int c = 0; c < C; ++c) {
          float* y = a.y + (i + c) * a.ldy + r0;
          if (valid == kLanes) {
            acc[q][c][g].store_unaligned(y);
          } else {
            store_f32_n(y, acc[q][c][g], valid);
          }
        }
      }
    }
  }

  // The activation rows left over from whole tiles, fewer than kPairCols: one tile of that
  // many (its weights read once, not once per row).
  template <int P, int C = kPairCols - 1>
  static void pair_tile_rest(const MatmulArgs& a, int64_t rows, int64_t p, int64_t i) {
    if constexpr (C >= 1) {
      if (a.n_act - i == C) return pair_tile<P, C>(a, rows, p, i);
      pair_tile_rest<P, C - 1>(a, rows, p, i);
    }
  }

  // Every activation row against panels [p, p + P).
  template <int P>
  static void pair_panels(const MatmulArgs& a, int64_t rows, int64_t p) {
    int64_t i = 0;
    for (; i + kPairCols <= a.n_act; i += kPairCols) pair_tile<P, kPairCols>(a, rows, p, i);
    if (i < a.n_act) pair_tile_rest<P>(a, rows, p, i);
  }

  // Rows [n0, n1): n0 starts a panel (the driver's slices are whole panels); n1 is a panel's
  // end or the matrix's last row.
  static void pair_matmul(const MatmulArgs& a, int64_t n0, int64_t n1) {
    const int64_t p_begin = n0 / kBf16PanelRows, p_end = (n1 + kBf16PanelRows - 1) / kBf16PanelRows;
    if (a.n_act <= 2 * kPairCols) {  // decoding: each panel streamed once (twice past kPairCols rows)
      int64_t p = p_begin;
      for (; p + kPairPanels <= p_end; p += kPairPanels) pair_panels<kPairPanels>(a, n1, p);
      for (; p < p_end; ++p) pair_panels<1>(a, n1, p);
      return;
    }
    // Panels in blocks that stay in L2 while every activation tile passes over them.
    const int64_t block = std::max<int64_t>(kPairPanels, (int64_t{192} << 10) / static_cast<int64_t>(a.w_stride) / kPairPanels * kPairPanels);
    for (int64_t pb = p_begin; pb < p_end; pb += block) {
      const int64_t pe = std::min(pb + block, p_end);
      int64_t i = 0;
      for (; i + kPairCols <= a.n_act; i += kPairCols) {
        int64_t p = pb;
        for (; p + kPairPanels <= pe; p += kPairPanels) pair_tile<kPairPanels, kPairCols>(a, n1, p, i);
        for (; p < pe; ++p) pair_tile<1, kPairCols>(a, n1, p, i);
      }
      if (i < a.n_act) {
        int64_t p = pb;
        for (; p + kPairPanels <= pe; p += kPairPanels) pair_tile_rest<kPairPanels>(a, n1, p, i);
        for (; p < pe; ++p) pair_tile_rest<1>(a, n1, p, i);
      }
    }
  }

  // Floats rounded to BF16 as ref::bf16_activation does (subnormals to zero, NaN quieted,
  // nearest-even).
  static void simd_round_bf16(const float* x, uint16_t* y, int64_t n) {
    if constexpr (requires(F v) { H::round_bf16(v, v, y); }) {  // one instruction for 2 x kLanes
      int64_t k = 0;
      for (; k + 2 * kLanes <= n; k += 2 * kLanes) H::round_bf16(F::load_unaligned(x + k), F::load_unaligned(x + k + kLanes), y + k);
      x += k, y += k, n -= k;
    }
    // Lane masks from the top bit of a wrapped difference, not xsimd::select: its AVX-512
    // version for 32-bit integers does not compile unoptimised (xsimd 8.1).
    const U exponent(0x7F800000u), magnitude(0x7FFFFFFFu), one(1u), half(0x7FFFu), quiet(0x40u), zero(0u);
    for_each_vector(n, [&](int64_t k, int64_t count) {
      U u = xsimd::bitwise_cast<U>(count == kLanes ? F::load_unaligned(x + k) : load_f32_n(x + k, count));
      const U subnormal = zero - (((u & exponent) - one) >> 31);  // all ones where the exponent is 0
      u = u & ~(subnormal & magnitude);                            // keeps the sign: a signed zero
      const U rounded = (u + half + ((u >> 16) & one)) >> 16;
      const U nan = zero - ((exponent - (u & magnitude)) >> 31);  // all ones where |u| > infinity
      const U r = (rounded & ~nan) | (((u >> 16) | quiet) & nan);
      alignas(64) uint32_t wide[kLanes];
      r.store_aligned(wide);
      if (count == kLanes) {  // a loop of known length: one narrowing store
        for (int64_t l = 0; l < kLanes; ++l) y[k + l] = static_cast<uint16_t>(wide[l]);
      } else {
        for (int64_t l = 0; l < count; ++l) y[k + l] = static_cast<uint16_t>(wide[l]);
      }
    });
  }

  // The activation rows rounded to BF16, row after row, each padded with zeros to whole groups.
  static void pack_pairs(const MatmulArgs& a, int part, int parts, void* out) {
    const int64_t padded = bf16_pairs_padded_cols(a.cols);
    const int64_t i0 = a.n_act * part / parts, i1 = a.n_act * (part + 1) / parts;
    for (int64_t i = i0; i < i1; ++i) {
      uint16_t* row = static_cast<uint16_t*>(out) + i * padded;
      simd_round_bf16(reinterpret_cast<const float*>(a.x + static_cast<size_t>(i) * a.x_stride), row, a.cols);
      for (int64_t k = a.cols; k < padded; ++k) row[k] = 0;
    }
  }

  // The packed form's size is the layout's, not the path's: the scalar table's entry, which
  // every table starts from, stays.
  static void fill_bf16_pairs(KernelTable& t) {
    t.matmul_bf16_pairs.run = pair_matmul;
    t.matmul_bf16_pairs.pack = pack_pairs;
    t.round_bf16 = simd_round_bf16;
  }

  static void fill(KernelTable& t) {
    fill_bf16_pairs(t);
    t.matmul_f32 = {float_matmul<WeightF32>};
    t.matmul_f16 = {float_matmul<WeightF16>};
    t.matmul_bf16 = {float_matmul<WeightBF16>};
    t.dot_f32 = simd_dot_f32;
    t.dot_f32_f16 = simd_dot_f32_f16;
    t.axpy_f32 = simd_axpy_f32;
    t.axpy_f16 = simd_axpy_f16;
    t.dot_rows_f32 = simd_dot_rows_f32;
    t.dot_rows_f16 = simd_dot_rows_f16;
    t.axpy_rows_f32 = simd_axpy_rows_f32;
    t.axpy_rows_f16 = simd_axpy_rows_f16;
    t.add = simd_add;
    t.scale = simd_scale;
    t.rms_norm = simd_rms_norm;
    t.softmax = simd_softmax;
    t.silu_mul = simd_silu_mul;
    t.mish_mul = simd_mish_mul;
    t.rope_pairs = simd_rope_pairs;
    t.f32_to_f16 = simd_f32_to_f16;
    t.f16_to_f32 = simd_f16_to_f32;
    t.quantize_q8_0 = simd_quantize_q8_0;
    t.quantize_q8_k = simd_quantize_q8_k;
  }
};

template <FloatHooks H>
void fill_float_kernels(KernelTable& table) {
  FloatKernels<H>::fill(table);
}

// The BF16-pairs product alone, for a hook type that only adds dot_bf16_pairs to a path.
template <FloatHooks H>
void fill_bf16_pairs_kernels(KernelTable& table) {
  FloatKernels<H>::fill_bf16_pairs(table);
}
