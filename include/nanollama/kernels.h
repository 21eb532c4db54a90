// SPDX-License-Identifier: Apache-2.0
// The kernel layer: weight formats, SIMD routines with runtime dispatch, matrix products.
//
// Kernels know nothing about models: only blocks, rows and vectors. Every routine has a
// scalar reference (the oracle for tests, and the path on CPUs without SIMD); faster paths
// are compiled per instruction set in their own translation units and chosen at start-up
// from the CPU's feature bits. NANOLLAMA_ISA=scalar|avx2|avx512|avx512vnni on x86-64,
// scalar|neon|neon-dotprod on AArch64 (or set_isa) forces a lower path, so one machine can
// test and benchmark every path.
//
// Thread contract: all functions are safe to call from many threads at once, except
// set_isa, which must not run while other threads are inside kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nanollama/tensor_type.h"

namespace nanollama::kernels {

// ---------------------------------------------------------------------------------------
// Instruction-set paths

// Paths of every architecture; a build supports scalar and its own architecture's paths.
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2, avx512vnni = 3, neon = 4, neon_dotprod = 5 };

std::string_view isa_name(Isa isa) noexcept;
std::optional<Isa> parse_isa(std::string_view name) noexcept;
bool isa_supported(Isa isa) noexcept;  // the CPU and OS can run it, and it was compiled in
std::vector<Isa> supported_isas();     // ascending, always starts with scalar
Isa best_isa() noexcept;               // the fastest supported path
Isa active_isa() noexcept;             // in use: NANOLLAMA_ISA if set, else best_isa()
// Forces a path; throws Error(unsupported) if this CPU cannot run it.
void set_isa(Isa isa);
// The instruction-set features the paths depend on that this CPU (and OS) offers, in
// ggml/GCC spelling: "avx2", "fma", "f16c", "avx512f", ..., "avx512vnni" on x86-64; "neon",
// "fp16", "dotprod" on AArch64. Empty elsewhere.
std::vector<std::string_view> cpu_features();

// ---------------------------------------------------------------------------------------
// Weight formats

// Types nanollama computes with as weights: F32, F16, BF16, Q8_0, Q6_K (weight_types(), in
// that order).
bool supports_weight_type(TensorType type) noexcept;
std::span<const TensorType> weight_types() noexcept;
// Block-quantized types (Q8_0, Q6_K, Q8_K), as opposed to the float ones.
bool is_quantized_type(TensorType type) noexcept;
// llama.cpp's general.file_type of a model whose matrices are of this weight type (F32 0,
// F16 1, Q8_0 7, Q6_K 18, BF16 32); nullopt for other types.
std::optional<uint32_t> gguf_file_type(TensorType weight_type) noexcept;
// The activation type a weight type's dot product consumes (Q8_0 -> Q8_0, Q6_K -> Q8_K,
// float types -> F32).
TensorType activation_type(TensorType weight_type) noexcept;

// Row conversions. `n` must be a multiple of the type's block size.
// dequantize_row: F32, F16, BF16, Q8_0, Q6_K, Q8_K. quantize_row: F32, F16, BF16, Q8_0,
// Q6_K, Q8_K (reference quality, bit-exact with llama.cpp's reference quantizers).
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);
void quantize_row(TensorType type, const float* src, void* dst, int64_t n);

// ---------------------------------------------------------------------------------------
// Matrix products

// How a weight matrix's bytes are laid out.
//   rows:        row r at data + r * row_stride, as in GGUF files.
//   q8_0_panels: Q8_0 repacked for matrix products by pack_panels: rows in panels of 16,
//                block by block (GGUF has no such layout: it is nanollama's own; docs/KERNELS.md, "Q8_0 panels"). Rows
//                cannot be read one at a time from it; dequantize_matrix_row can.
//   q6_k_panels: Q6_K repacked the same way, super-block by super-block (docs/KERNELS.md, "Q6_K panels").
//   bf16_pairs:  BF16 weights in panels of 16 rows, pair of columns by pair, whose products
//                round the activations to BF16 too (LOSSY: to_bf16_pairs; docs/KERNELS.md, "BF16 pairs").
enum class MatrixLayout : uint8_t { rows, q8_0_panels, q6_k_panels, bf16_pairs };

// A weight matrix: `rows` rows of `cols` elements.
struct MatrixView {
  TensorType type = TensorType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;
  size_t row_stride = 0;  // bytes of one row; in layout rows also the distance between rows
  MatrixLayout layout = MatrixLayout::rows;
};

// Panels. Products with more than 8 activation rows rearrange a Q8_0 matrix into panels
// on every call (one weight row per SIMD lane); a matrix packed once, at load time, spares
// that work, and every product on it reads it as one stream per thread. Q6_K matrices pack
// too: their prompt products exist only on panels (on rows they are several times slower).
// Same bytes, rearranged; products give bitwise the results of the rows layout.
bool packs_to_panels(TensorType type) noexcept;  // Q8_0, Q6_K
// Bytes pack_panels writes for a rows x cols matrix of `type`; throws if it cannot pack it.
size_t panel_bytes(TensorType type, int64_t rows, int64_t cols);
// Repacks w (layout rows) into `out` (panel_bytes of it, 64-byte aligned) on up to
// n_threads threads and returns the view of the panels.
MatrixView pack_panels(const MatrixView& w, void* out, int n_threads);
// BF16 pairs, a lossy product for float matrices: weights rounded to BF16 (8 significant
// bits, nearest-even) and activations rounded to BF16 before each product, then multiplied
// and summed two per 32-bit lane, as AVX512-BF16's vdpbf16ps does in one instruction (twice
// the FMA rate where the CPU has it; elsewhere the same arithmetic with FMAs, somewhat slower
// than F16's products). The error of a dot product is about that of Q8_0 weights (docs/KERNELS.md).
// Bytes to_bf16_pairs writes for w (F32, F16 or BF16 rows).
size_t bf16_pairs_bytes(const MatrixView& w);
// The bf16_pairs view of w: its rows rounded to BF16 (as the activations are) and packed into
// `out` (bf16_pairs_bytes of it, 64-byte aligned) on up to n_threads threads.
MatrixView to_bf16_pairs(const MatrixView& w, void* out, int n_threads);
// Row `row` of w, in any layout, as floats.
void dequantize_matrix_row(const MatrixView& w, int64_t row, float* dst);

// Activation rows converted once into the type a weight type pairs with, so that several
// products (Q, K and V; gate and up) share one conversion. Reuses its buffer: no
// allocation once it has grown to the largest size needed.
class Activations {
 public:
  // Converts n_rows rows of `cols` floats (row i at x + i * ld) for products with weights
  // of type `weight_type`.
  void prepare(TensorType weight_type, const float* x, int64_t n_rows, int64_t cols, int64_t ld,
               int n_threads = 1);

  TensorType type() const noexcept { return type_; }
  int64_t rows() const noexcept { return rows_; }
  int64_t cols() const noexcept { return cols_; }
  const uint8_t* row(int64_t i) const noexcept { return data_ + i * row_bytes_; }
  size_t row_bytes() const noexcept { return row_bytes_; }

 private:
  friend struct ActivationsAccess;  // the matrix-product driver's side (kernels/, private)
  std::vector<uint8_t> storage_;
  std::vector<uint8_t> packed_storage_;
  // Q8_0 rows also in the activation layout of the Q8_0 panel kernels of path packed_by_,
  // made by prepare in the same pass (packed_storage_ aligned to 64 bytes).
  uint8_t* packed_ = nullptr;
  std::optional<Isa> packed_by_;
  uint8_t* data_ = nullptr;  // storage_ aligned to 64 bytes
  TensorType type_ = TensorType::F32;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  size_t row_bytes_ = 0;
};

// One product of a set that shares an input: y[i * ldy + n] = dot(W row n, x row i).
struct MatmulTarget {
  MatrixView w;
  float* y = nullptr;
  int64_t ldy = 0;
};

// y = x · Wᵀ for every activation row (one row: a matrix-vector product). Work is split
// over weight rows, so results are bitwise identical for any thread count.
void matmul(const MatrixView& w, const Activations& x, float* y, int64_t ldy, int n_threads);
// Several products over the same activations in one parallel region.
void matmul(std::span<const MatmulTarget> targets, const Activations& x, int n_threads);
// Rows [row_begin, row_end) of W only, on the calling thread (for callers with own threads).
// On panels, row_begin must be a multiple of 16 and row_end too, or W's last row.
void matmul_rows(const MatrixView& w, const Activations& x, float* y, int64_t ldy,
                 int64_t row_begin, int64_t row_end);

// ---------------------------------------------------------------------------------------
// Vector routines (float; dispatched like the rest)

float dot_f32(const float* a, const float* b, int64_t n);
float dot_f32_f16(const float* a, const uint16_t* b_f16, int64_t n);
void axpy_f32(float a, const float* x, float* y, int64_t n);          // y += a * x
void axpy_f16(float a, const uint16_t* x_f16, float* y, int64_t n);   // y += a * x
// Gathered rows of a matrix (row i of the set starts at base + index[i] * stride elements),
// as attention reads keys and values from the cells of a sequence: one call per set instead
// of one per row. out[i] = scale * dot(q, row i) over n elements; y += Σ w[i] * row i.
void dot_rows_f32(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out);
void dot_rows_f16(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out);
void axpy_rows_f32(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y);
void axpy_rows_f16(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y);
void add(float* y, const float* x, int64_t n);                        // y += x
void scale(float* y, float s, int64_t n);                             // y *= s
// y = x / sqrt(mean(x²) + eps) ⊙ gain (gain may be null); y may alias x.
void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps);
// In place: x = exp(x - max) / sum; returns the sum before normalisation.
float softmax(float* x, int64_t n);
// out = act(gate) ⊙ up, act = SiLU (x·σ(x)) or Mish (x·tanh(softplus(x))).
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void mish_mul(const float* gate, const float* up, float* out, int64_t n);
// Rotates adjacent pairs (x[2i], x[2i+1]) by the angle whose cosine and sine are
// cos[i], sin[i], for i < n_pairs.
void rope_pairs(float* x, const float* cos, const float* sin, int64_t n_pairs);
void f32_to_f16(const float* x, uint16_t* y, int64_t n);
void f16_to_f32(const uint16_t* x, float* y, int64_t n);

// ---------------------------------------------------------------------------------------
// Threads

// Threads a caller gets when it asks for "all": the CPUs this process may run on.
int default_threads() noexcept;

// Runs fn(ctx, begin, end) over a static partition of [0, n) on up to n_threads threads
// (the calling thread and the kernels' persistent pool) and waits for all. The partition
// depends only on n and n_threads (n_threads <= 0: default_threads()). Called from inside
// a part, or while another thread is using the pool, the parts run in order on the calling
// thread. An exception from fn is rethrown here.
using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);
void parallel_for_raw(int n_threads, int64_t n, RangeFn fn, void* ctx);

template <class Fn>
void parallel_for(int n_threads, int64_t n, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  parallel_for_raw(
      n_threads, n, [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace nanollama::kernels
