// SPDX-License-Identifier: Apache-2.0
// BF16 pairs (MatrixLayout::bf16_pairs), the public side: converting a float matrix to the
// BF16 panels the lossy product reads (blocks.h).
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/scalar/reference.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

[[noreturn]] void fail(ErrorCode code, const std::string& what) { throw Error(code, "kernels::to_bf16_pairs: " + what); }

void check_convertible(const MatrixView& w) {
  if (w.layout != MatrixLayout::rows) fail(ErrorCode::invalid_argument, "the matrix is not in layout rows");
  if (w.type != TensorType::F32 && w.type != TensorType::F16 && w.type != TensorType::BF16) {
    fail(ErrorCode::unsupported, "only F32, F16 and BF16 matrices convert, not " + std::string(tensor_type_name(w.type)));
  }
  if (w.rows < 0 || w.cols < 0) fail(ErrorCode::invalid_argument, "negative matrix size");
  if (w.rows > 0 && w.data == nullptr) fail(ErrorCode::invalid_argument, "null weight data");
  const auto bytes = row_bytes(w.type, static_cast<uint64_t>(w.cols));
  if (!bytes || (w.rows > 1 && w.row_stride < *bytes)) fail(ErrorCode::invalid_argument, "row stride below the row size");
}

}  // namespace

size_t bf16_pairs_bytes(const MatrixView& w) {
  check_convertible(w);
  const auto panels = static_cast<size_t>((w.rows + kBf16PanelRows - 1) / kBf16PanelRows);
  const size_t stride = bf16_panel_stride(w.cols);
  if (stride != 0 && panels > SIZE_MAX / stride) fail(ErrorCode::invalid_argument, "matrix too large");
  return panels * stride;
}

MatrixView to_bf16_pairs(const MatrixView& w, void* out, int n_threads) {
  check_convertible(w);
  if (reinterpret_cast<uintptr_t>(out) % 64 != 0 || (out == nullptr && w.rows > 0)) {
    fail(ErrorCode::invalid_argument, "output must be 64-byte aligned and not null");
  }
  const auto* src = static_cast<const uint8_t*>(w.data);
  const int64_t panels = (w.rows + kBf16PanelRows - 1) / kBf16PanelRows;
  parallel_for(n_threads, panels, [&](int64_t p0, int64_t p1) {
    std::vector<float> row(static_cast<size_t>(w.cols));
    std::vector<uint16_t> rows(static_cast<size_t>(kBf16PanelRows * w.cols));
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t r0 = p * kBf16PanelRows, count = std::min<int64_t>(kBf16PanelRows, w.rows - r0);
      for (int64_t r = 0; r < count; ++r) {
        dequantize_row(w.type, src + static_cast<size_t>(r0 + r) * w.row_stride, row.data(), w.cols);
        active_table().round_bf16(row.data(), rows.data() + r * w.cols, w.cols);
      }
      ref::pack_bf16_panel(rows.data(), count, w.cols, static_cast<uint8_t*>(out) + static_cast<size_t>(p) * bf16_panel_stride(w.cols));
    }
  });
  MatrixView v = w;
  v.type = TensorType::BF16;
  v.data = out;
  v.row_stride = static_cast<size_t>(w.cols) * 2;
  v.layout = MatrixLayout::bf16_pairs;
  return v;
}

}  // namespace nanollama::kernels
