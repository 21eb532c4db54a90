// SPDX-License-Identifier: Apache-2.0
// Q6_K panels (MatrixLayout::q6_k_panels), on every path the CPU supports:
//  - packing writes the layout blocks.h describes (checked here against each row's quants
//    decoded by the reference, with the layout's formulas written out in this file);
//  - rows read back from panels equal the rows they came from;
//  - products on panels equal those on the rows layout bit for bit (that path is held to
//    the oracle in test_matmul.cpp) for any thread count, row range, grouping and batch.
#include <cstring>
#include <memory>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

// A Q6_K super-block's bytes (GGUF): ql[128], qh[64], int8 scales[16], f16 d.
struct Matrix {
  int64_t rows, cols;
  size_t stride;
  std::vector<uint8_t> bytes;  // Q6_K rows
  MatrixView view() const { return {TensorType::Q6_K, rows, cols, bytes.data(), stride}; }
  const uint8_t* block(int64_t r, int64_t s) const { return bytes.data() + static_cast<size_t>(r) * stride + static_cast<size_t>(s) * 210; }
};

// Unsigned quant j (0..63) of a super-block, from the GGUF bit layout (docs/WEIGHTS.md).
int quant(const uint8_t* b, int j) {
  const int h = j / 128, t = (j % 128) / 32, l = j % 32;
  const int low = (b[64 * h + 32 * (t & 1) + l] >> (4 * (t >> 1))) & 15;
  const int high = (b[128 + 32 * h + l] >> (2 * t)) & 3;
  return low | high << 4;
}

Matrix random_q6_k(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto stride = static_cast<size_t>(cols / 256 * 210);
  Matrix m{rows, cols, stride, std::vector<uint8_t>(stride * static_cast<size_t>(rows))};
  for (int64_t r = 0; r < rows; ++r) {
    const float mag = std::ldexp(1.0f, static_cast<int>(r % 5) - 2) * (r % 3 == 1 ? -1.0f : 1.0f);
    const auto row = random_floats(rng, cols, -mag, mag);
    quantize_row(TensorType::Q6_K, row.data(), m.bytes.data() + static_cast<size_t>(r) * m.stride, cols);
  }
  return m;
}

struct Panels {
  std::unique_ptr<uint8_t[]> storage;
  uint8_t* data = nullptr;
  size_t bytes = 0;
  MatrixView view;
};

Panels pack(const Matrix& m, int threads = 1) {
  Panels p;
  p.bytes = panel_bytes(TensorType::Q6_K, m.rows, m.cols);
  p.storage.reset(new uint8_t[p.bytes + 64]);
  p.data = p.storage.get() + (64 - reinterpret_cast<uintptr_t>(p.storage.get()) % 64) % 64;
  std::memset(p.data, 0xA5, p.bytes);  // padding must be written, not left over
  p.view = pack_panels(m.view(), p.data, threads);
  return p;
}

// Row counts: whole panels, last panels of 1-15 rows (and 8: AVX2's half); odd and even
// super-block counts.
const std::vector<std::pair<int64_t, int64_t>>& shapes() {
  static const std::vector<std::pair<int64_t, int64_t>> s = {{1, 256}, {5, 768},  {16, 256}, {17, 512},
                                                             {37, 1024}, {8, 256}, {24, 768}, {33, 512}};
  return s;
}

std::string label(int64_t rows, int64_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

TEST(Q6Panels, PackingWritesTheDocumentedLayout) {
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q6_k(rows, cols, static_cast<uint32_t>(rows * 7 + cols));
    const int64_t nb = cols / 256, panels = (rows + 15) / 16;
    const size_t pair_bytes = 2 * (3072 + 256 + 32);
    const size_t stride = static_cast<size_t>((nb + 1) / 2) * pair_bytes;
    const Panels p = pack(m);
    ASSERT_EQ(p.bytes, static_cast<size_t>(panels) * stride) << label(rows, cols);
    for (int64_t panel = 0; panel < panels; ++panel) {
      for (int64_t s = 0; s < (nb + 1) / 2 * 2; ++s) {
        const uint8_t* pair = p.data + static_cast<size_t>(panel) * stride + static_cast<size_t>(s / 2) * pair_bytes;
        const uint8_t* quants = pair + (s % 2) * 3072;
        const uint8_t* scales = pair + 6144 + (s % 2) * 256;
        const uint8_t* d = pair + 6656 + (s % 2) * 32;
        for (int r = 0; r < 16; ++r) {
          const int64_t row = panel * 16 + r;
          const bool present = row < rows && s < nb;
          int u[256] = {};
          if (present) {
            for (int j = 0; j < 256; ++j) u[j] = quant(m.block(row, s), j);
          }
          for (int g = 0; g < 16; ++g) {
            for (int b = 0; b < 4; ++b) {
              const int* q = u + 16 * g;
              const uint8_t l0 = static_cast<uint8_t>((q[b] & 15) | (q[4 + b] & 15) << 4);
              const uint8_t l1 = static_cast<uint8_t>((q[8 + b] & 15) | (q[12 + b] & 15) << 4);
              const uint8_t h = static_cast<uint8_t>(q[b] >> 4 | (q[4 + b] >> 4) << 2 | (q[8 + b] >> 4) << 4 | (q[12 + b] >> 4) << 6);
              ASSERT_EQ(quants[g * 192 + 4 * r + b], l0) << label(rows, cols) << " row " << row << " sb " << s << " g " << g;
              ASSERT_EQ(quants[g * 192 + 64 + 4 * r + b], l1) << label(rows, cols) << " row " << row << " sb " << s;
              ASSERT_EQ(quants[g * 192 + 128 + 4 * r + b], h) << label(rows, cols) << " row " << row << " sb " << s;
            }
            ASSERT_EQ(scales[16 * g + r], present ? m.block(row, s)[192 + g] : 0);
          }
          ASSERT_EQ(d[2 * r], present ? m.block(row, s)[208] : 0);
          ASSERT_EQ(d[2 * r + 1], present ? m.block(row, s)[209] : 0);
        }
      }
    }
  }
}

TEST(Q6Panels, RowsReadBackExactly) {
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q6_k(rows, cols, 11);
    const Panels p = pack(m, 2);
    std::vector<float> want(static_cast<size_t>(cols)), got(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(TensorType::Q6_K, m.bytes.data() + static_cast<size_t>(r) * m.stride, want.data(), cols);
      dequantize_matrix_row(p.view, r, got.data());
      ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * 4), 0) << label(rows, cols) << " row " << r;
    }
  }
}

std::vector<float> product(const MatrixView& w, const Activations& act, int threads) {
  std::vector<float> y(static_cast<size_t>(act.rows() * w.rows), NAN);
  matmul(w, act, y.data(), w.rows, threads);
  return y;
}

TEST(Q6Panels, ProductsEqualTheRowsLayoutBitwiseOnEveryPath) {
  IsaGuard guard;
  uint32_t seed = 50;
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q6_k(rows, cols, seed++);
    const Panels p = pack(m);
    std::mt19937 rng(seed++);
    for (int64_t n_act : {1, 2, 3, 5, 8, 9, 16, 17, 33}) {
      const auto x = random_floats(rng, n_act * cols, -2.0f, 2.0f);
      for (Isa isa : supported_isas()) {
        set_isa(isa);
        Activations act;
        act.prepare(TensorType::Q6_K, x.data(), n_act, cols, cols);
        const auto want = product(m.view(), act, 1);
        for (int threads : {1, 2, 3}) {
          const auto got = product(p.view, act, threads);
          ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * 4), 0)
              << label(rows, cols) << " with " << n_act << " activation rows, " << threads << " threads, " << isa_label(isa);
        }
      }
    }
  }
}

TEST(Q6Panels, ARowsOutputsDoNotDependOnItsBatch) {
  IsaGuard guard;
  const Matrix m = random_q6_k(37, 768, 90);
  const Panels p = pack(m);
  std::mt19937 rng(91);
  for (int64_t n_act : {2, 7, 16, 33}) {
    const auto x = random_floats(rng, n_act * 768, -2.0f, 2.0f);
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      Activations batch;
      batch.prepare(TensorType::Q6_K, x.data(), n_act, 768, 768);
      const auto all = product(p.view, batch, 2);
      for (int64_t i = 0; i < n_act; ++i) {
        Activations one;
        one.prepare(TensorType::Q6_K, x.data() + i * 768, 1, 768, 768);
        const auto alone = product(p.view, one, 1);
        ASSERT_EQ(std::memcmp(alone.data(), all.data() + i * 37, alone.size() * 4), 0)
            << "row " << i << " of " << n_act << ", " << isa_label(isa);
      }
    }
  }
}

TEST(Q6Panels, RowRangesMatchTheWholeProduct) {
  IsaGuard guard;
  const Matrix m = random_q6_k(50, 512, 3);
  const Panels p = pack(m);
  std::mt19937 rng(4);
  const auto x = random_floats(rng, 3 * 512, -1.0f, 1.0f);
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    Activations act;
    act.prepare(TensorType::Q6_K, x.data(), 3, 512, 512);
    const auto whole = product(p.view, act, 1);
    std::vector<float> ranged(whole.size(), NAN);
    matmul_rows(p.view, act, ranged.data(), 50, 0, 16);
    matmul_rows(p.view, act, ranged.data(), 50, 16, 50);
    ASSERT_EQ(std::memcmp(ranged.data(), whole.data(), whole.size() * 4), 0) << isa_label(isa);
    EXPECT_THROW(matmul_rows(p.view, act, ranged.data(), 50, 0, 8), Error);  // splits a panel
  }
}

}  // namespace
}  // namespace nanollama::kernels::testing
