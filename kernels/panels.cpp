// SPDX-License-Identifier: Apache-2.0
// Q8_0 and Q6_K panels (blocks.h), the public side: their size, packing on threads, reading a
// row back.
#include <string>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/scalar/reference.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

[[noreturn]] void fail(ErrorCode code, const char* where, const std::string& what) {
  throw Error(code, std::string("kernels::") + where + ": " + what);
}

void check_packable(const char* where, TensorType type, int64_t rows, int64_t cols) {
  if (!packs_to_panels(type)) {
    fail(ErrorCode::unsupported, where, "only Q8_0 and Q6_K matrices pack to panels, not " + std::string(tensor_type_name(type)));
  }
  if (rows < 0 || cols < 0) fail(ErrorCode::invalid_argument, where, "negative matrix size");
  const int64_t block = type == TensorType::Q8_0 ? kQ8_0Block : kSuperBlock;
  if (cols % block != 0) {
    fail(ErrorCode::invalid_argument, where,
         "row length " + std::to_string(cols) + " is not whole " + std::string(tensor_type_name(type)) + " blocks");
  }
  // Keeps q8_panel_stride (and a panel's byte offsets) far from overflowing.
  if (cols > (int64_t{1} << 40)) fail(ErrorCode::invalid_argument, where, "row length " + std::to_string(cols) + " too large");
}

size_t stride_of(TensorType type, int64_t cols) {
  return type == TensorType::Q8_0 ? q8_panel_stride(cols) : q6_panel_stride(cols);
}

}  // namespace

bool packs_to_panels(TensorType type) noexcept { return type == TensorType::Q8_0 || type == TensorType::Q6_K; }

size_t panel_bytes(TensorType type, int64_t rows, int64_t cols) {
  check_packable("panel_bytes", type, rows, cols);
  static_assert(kQ8PanelRows == kQ6PanelRows);
  const auto panels = static_cast<size_t>((rows + kQ8PanelRows - 1) / kQ8PanelRows);
  const size_t stride = stride_of(type, cols);
  if (stride != 0 && panels > SIZE_MAX / stride) fail(ErrorCode::invalid_argument, "panel_bytes", "matrix too large");
  return panels * stride;
}

MatrixView pack_panels(const MatrixView& w, void* out, int n_threads) {
  check_packable("pack_panels", w.type, w.rows, w.cols);
  const bool q8 = w.type == TensorType::Q8_0;
  const size_t row_size = q8 ? static_cast<size_t>(w.cols / kQ8_0Block) * sizeof(BlockQ8_0)
                             : static_cast<size_t>(w.cols / kSuperBlock) * sizeof(BlockQ6_K);
  if (w.layout != MatrixLayout::rows) fail(ErrorCode::invalid_argument, "pack_panels", "the matrix is packed already");
  if (w.rows > 0 && w.data == nullptr) fail(ErrorCode::invalid_argument, "pack_panels", "null weight data");
  if (w.rows > 1 && w.row_stride < row_size) fail(ErrorCode::invalid_argument, "pack_panels", "row stride below the row size");
  if (reinterpret_cast<uintptr_t>(out) % 64 != 0 || (out == nullptr && w.rows > 0)) {
    fail(ErrorCode::invalid_argument, "pack_panels", "output must be 64-byte aligned and not null");
  }
  const int64_t panels = (w.rows + kQ8PanelRows - 1) / kQ8PanelRows;
  const auto pack = q8 ? active_table().pack_q8_0_panels : active_table().pack_q6_k_panels;
  const auto* src = static_cast<const uint8_t*>(w.data);
  auto* dst = static_cast<uint8_t*>(out);
  parallel_for(n_threads, panels, [&](int64_t p0, int64_t p1) { pack(src, w.row_stride, w.rows, w.cols, p0, p1, dst); });
  MatrixView v = w;
  v.data = out;
  v.row_stride = row_size;
  v.layout = q8 ? MatrixLayout::q8_0_panels : MatrixLayout::q6_k_panels;
  return v;
}

void dequantize_matrix_row(const MatrixView& w, int64_t row, float* dst) {
  if (row < 0 || row >= w.rows) {
    fail(ErrorCode::invalid_argument, "dequantize_matrix_row",
         "row " + std::to_string(row) + " outside the " + std::to_string(w.rows) + " rows");
  }
  if (w.data == nullptr || (dst == nullptr && w.cols > 0)) fail(ErrorCode::invalid_argument, "dequantize_matrix_row", "null pointer");
  if (w.layout == MatrixLayout::rows) {
    dequantize_row(w.type, static_cast<const uint8_t*>(w.data) + static_cast<size_t>(row) * w.row_stride, dst, w.cols);
    return;
  }
  if (w.layout == MatrixLayout::bf16_pairs) {
    thread_local std::vector<uint16_t> values;
    values.resize(static_cast<size_t>(w.cols));
    const auto* panel = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(row / kBf16PanelRows) * bf16_panel_stride(w.cols);
    ref::bf16_panel_row(panel, w.cols, static_cast<int>(row % kBf16PanelRows), values.data());
    ref::bf16_to_f32(values.data(), dst, w.cols);
    return;
  }
  check_packable("dequantize_matrix_row", w.type, w.rows, w.cols);
  if (w.type == TensorType::Q6_K) {
    thread_local std::vector<BlockQ6_K> super_blocks;
    super_blocks.resize(static_cast<size_t>(w.cols / kSuperBlock));
    const auto* panel = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(row / kQ6PanelRows) * q6_panel_stride(w.cols);
    ref::panel_row_q6_k(panel, w.cols, static_cast<int>(row % kQ6PanelRows), super_blocks.data());
    ref::dequantize_row_q6_k(super_blocks.data(), dst, w.cols);
    return;
  }
  thread_local std::vector<BlockQ8_0> blocks;
  blocks.resize(static_cast<size_t>(w.cols / kQ8_0Block));
  const auto* panel = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(row / kQ8PanelRows) * q8_panel_stride(w.cols);
  ref::panel_row_q8_0(panel, w.cols, static_cast<int>(row % kQ8PanelRows), blocks.data());
  ref::dequantize_row_q8_0(blocks.data(), dst, w.cols);
}

}  // namespace nanollama::kernels
