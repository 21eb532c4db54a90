// SPDX-License-Identifier: Apache-2.0
// Q8_0 panels (MatrixLayout::q8_0_panels), on every path the CPU supports:
//  - packing writes the layout blocks.h describes (checked byte by byte against the rows,
//    here, not through the kernels' own unpacking) and every path writes the same bytes;
//  - rows read back from panels equal the rows they came from;
//  - products on panels equal those on the rows layout bit for bit (that path is held to
//    the oracle in test_matmul.cpp), for any thread count, row range and grouping;
//  - what cannot be packed or multiplied is refused with an error.
#include <cstring>
#include <memory>

#include "kernel_test_util.h"

namespace nanollama::kernels::testing {
namespace {

constexpr int kPanelRows = 16;

struct Matrix {
  int64_t rows, cols;
  size_t stride;
  std::vector<uint8_t> bytes;  // Q8_0 rows
  MatrixView view() const { return {TensorType::Q8_0, rows, cols, bytes.data(), stride}; }
};

Matrix random_q8_0(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto stride = static_cast<size_t>(cols / 32 * 34);
  Matrix m{rows, cols, stride, std::vector<uint8_t>(stride * static_cast<size_t>(rows))};
  for (int64_t r = 0; r < rows; ++r) {
    const float mag = std::ldexp(1.0f, static_cast<int>(r % 5) - 2) * (r % 3 == 1 ? -1.0f : 1.0f);
    const auto row = random_floats(rng, cols, -mag, mag);
    quantize_row(TensorType::Q8_0, row.data(), m.bytes.data() + static_cast<size_t>(r) * m.stride, cols);
  }
  return m;
}

// 64-byte aligned storage for panels.
struct Panels {
  std::unique_ptr<uint8_t[]> storage;
  uint8_t* data = nullptr;
  size_t bytes = 0;
  MatrixView view;
};

Panels pack(const Matrix& m, int threads = 1) {
  Panels p;
  p.bytes = panel_bytes(TensorType::Q8_0, m.rows, m.cols);
  p.storage.reset(new uint8_t[p.bytes + 64]);
  p.data = p.storage.get() + (64 - reinterpret_cast<uintptr_t>(p.storage.get()) % 64) % 64;
  std::memset(p.data, 0xA5, p.bytes);  // padding must be written, not left over
  p.view = pack_panels(m.view(), p.data, threads);
  return p;
}

const std::vector<std::pair<int64_t, int64_t>>& shapes() {
  // Row counts cover whole panels, a last panel of 1-7 rows, of 8 (AVX2: one whole
  // half-panel) and of 9-15 (AVX2: a partial second half); odd and even block counts.
  static const std::vector<std::pair<int64_t, int64_t>> s = {{1, 32},  {5, 224},  {16, 32},   {17, 320},
                                                             {37, 1024}, {48, 64}, {70, 1056}, {33, 96},
                                                             {8, 32},   {12, 64},  {29, 320},  {24, 96}};
  return s;
}

std::string label(int64_t rows, int64_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

TEST(Panels, PackingWritesTheDocumentedLayoutOnEveryPath) {
  IsaGuard guard;
  uint32_t seed = 1;
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q8_0(rows, cols, seed++);
    const int64_t nb = cols / 32, panels = (rows + kPanelRows - 1) / kPanelRows;
    const size_t stride = static_cast<size_t>((nb + 1) / 2) * 1088;  // pairs of blocks
    set_isa(Isa::scalar);
    const Panels ref = pack(m);
    ASSERT_EQ(ref.bytes, static_cast<size_t>(panels) * stride) << label(rows, cols);
    for (int64_t p = 0; p < panels; ++p) {
      const uint8_t* panel = ref.data + static_cast<size_t>(p) * stride;
      for (int64_t r = 0; r < kPanelRows; ++r) {
        const int64_t row = p * kPanelRows + r;
        for (int64_t b = 0; b < nb; ++b) {
          // Row bytes: f16 scale, then 32 quants; missing rows are zero.
          const uint8_t* block = row < rows ? m.bytes.data() + static_cast<size_t>(row) * m.stride + static_cast<size_t>(b) * 34 : nullptr;
          // Pair b / 2: block 2m's vectors, block 2m+1's, then their scales.
          const uint8_t* pair = panel + (b / 2) * 1088;
          for (int j = 0; j < 32; ++j) {
            const uint8_t want = block ? block[2 + j] : 0;
            ASSERT_EQ(pair[(b % 2) * 512 + (j / 4) * 64 + r * 4 + j % 4], want) << label(rows, cols) << " row " << row << " block " << b;
          }
          const uint8_t* scale = pair + 1024 + (b % 2) * 32 + r * 2;
          ASSERT_EQ(scale[0], block ? block[0] : 0) << label(rows, cols) << " row " << row << " block " << b;
          ASSERT_EQ(scale[1], block ? block[1] : 0) << label(rows, cols) << " row " << row << " block " << b;
        }
      }
      if (nb % 2 != 0) {  // the last pair's missing block
        const uint8_t* pair = panel + (nb / 2) * 1088;
        for (int k = 512; k < 1024; ++k) ASSERT_EQ(pair[k], 0) << "missing block of panel " << p;
        for (int k = 1056; k < 1088; ++k) ASSERT_EQ(pair[k], 0) << "missing block of panel " << p;
      }
    }
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      for (int threads : {1, 2}) {
        const Panels got = pack(m, threads);
        ASSERT_EQ(std::memcmp(got.data, ref.data, ref.bytes), 0) << label(rows, cols) << " " << isa_label(isa) << ", "
                                                                 << threads << " threads";
      }
    }
  }
}

TEST(Panels, RowsReadBackExactly) {
  const Matrix m = random_q8_0(37, 320, 7);
  const Panels p = pack(m);
  std::vector<float> want(320), got(320);
  for (int64_t r = 0; r < m.rows; ++r) {
    dequantize_row(TensorType::Q8_0, m.bytes.data() + static_cast<size_t>(r) * m.stride, want.data(), m.cols);
    dequantize_matrix_row(p.view, r, got.data());
    ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * 4), 0) << "row " << r;
    dequantize_matrix_row(m.view(), r, got.data());
    ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * 4), 0) << "rows layout, row " << r;
  }
  EXPECT_THROW(dequantize_matrix_row(p.view, 37, got.data()), Error);
  EXPECT_THROW(dequantize_matrix_row(p.view, -1, got.data()), Error);
}

std::vector<float> product(const MatrixView& w, const Activations& act, int threads) {
  std::vector<float> y(static_cast<size_t>(act.rows() * w.rows), NAN);
  matmul(w, act, y.data(), w.rows, threads);
  return y;
}

TEST(Panels, ProductsEqualTheRowsLayoutBitwiseOnEveryPath) {
  IsaGuard guard;
  uint32_t seed = 50;
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q8_0(rows, cols, seed++);
    const Panels p = pack(m);
    std::mt19937 rng(seed++);
    for (int64_t n_act : {1, 2, 3, 5, 8, 9, 13, 33}) {
      const auto x = random_floats(rng, n_act * cols, -2.0f, 2.0f);
      for (Isa isa : supported_isas()) {
        set_isa(isa);
        Activations act;
        act.prepare(TensorType::Q8_0, x.data(), n_act, cols, cols);
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

// Batch invariance at the kernel level: an activation row's outputs in a batch of 2 to 16
// (sequences decoded together, with a chunk of a prompt) or of 33 (the tiles) equal its
// outputs alone (the one-row kernels), on both layouts, every path.
TEST(Panels, ARowsOutputsDoNotDependOnItsBatch) {
  IsaGuard guard;
  uint32_t seed = 90;
  for (auto [rows, cols] : shapes()) {
    const Matrix m = random_q8_0(rows, cols, seed++);
    const Panels p = pack(m);
    std::mt19937 rng(seed++);
    for (int64_t n_act : {2, 4, 7, 8, 13, 16, 33}) {
      const auto x = random_floats(rng, n_act * cols, -2.0f, 2.0f);
      for (Isa isa : supported_isas()) {
        set_isa(isa);
        Activations batch;
        batch.prepare(TensorType::Q8_0, x.data(), n_act, cols, cols);
        for (const MatrixView& w : {m.view(), p.view}) {
          const auto all = product(w, batch, 2);
          for (int64_t i = 0; i < n_act; i += n_act <= 8 ? 1 : 5) {
            Activations one;
            one.prepare(TensorType::Q8_0, x.data() + i * cols, 1, cols, cols);
            const auto alone = product(w, one, 1);
            ASSERT_EQ(std::memcmp(alone.data(), all.data() + i * rows, alone.size() * 4), 0)
                << label(rows, cols) << " row " << i << " of " << n_act << ", "
                << (w.layout == MatrixLayout::rows ? "rows" : "panels") << ", " << isa_label(isa);
          }
        }
      }
    }
  }
}

TEST(Panels, RowRangesAndGroupedProductsMatch) {
  IsaGuard guard;
  const Matrix a = random_q8_0(48, 256, 3), b = random_q8_0(37, 256, 4);
  const Panels pa = pack(a), pb = pack(b);
  std::mt19937 rng(5);
  for (int64_t n_act : {1, 12}) {
    const auto x = random_floats(rng, n_act * 256);
    for (Isa isa : supported_isas()) {
      set_isa(isa);
      Activations act;
      act.prepare(TensorType::Q8_0, x.data(), n_act, 256, 256);
      const auto want_a = product(a.view(), act, 1), want_b = product(b.view(), act, 1);
      // Ranges on panel boundaries, the last ending at the matrix's last row.
      std::vector<float> ranged(want_b.size(), NAN);
      matmul_rows(pb.view, act, ranged.data(), b.rows, 0, 16);
      matmul_rows(pb.view, act, ranged.data(), b.rows, 16, 37);
      EXPECT_EQ(std::memcmp(ranged.data(), want_b.data(), want_b.size() * 4), 0) << isa_label(isa) << ", " << n_act;
      EXPECT_THROW(matmul_rows(pb.view, act, ranged.data(), b.rows, 8, 16), Error);
      EXPECT_THROW(matmul_rows(pb.view, act, ranged.data(), b.rows, 0, 20), Error);
      // Panels and rows in one call share the activations (and their packed form).
      std::vector<float> ya(want_a.size(), NAN), yb(want_b.size(), NAN), yr(want_b.size(), NAN);
      const MatmulTarget targets[] = {{pa.view, ya.data(), a.rows}, {b.view(), yr.data(), b.rows}, {pb.view, yb.data(), b.rows}};
      matmul(targets, act, 2);
      EXPECT_EQ(std::memcmp(ya.data(), want_a.data(), want_a.size() * 4), 0) << isa_label(isa) << ", " << n_act;
      EXPECT_EQ(std::memcmp(yb.data(), want_b.data(), want_b.size() * 4), 0) << isa_label(isa) << ", " << n_act;
      EXPECT_EQ(std::memcmp(yr.data(), want_b.data(), want_b.size() * 4), 0) << isa_label(isa) << ", " << n_act;
    }
  }
}

// The driver packs the activations itself when Activations::prepare did not make the
// form the kernel wants (here: prepared on the scalar path, which has no panel kernel), on
// several threads and once for several products: the results must be those of the form
// prepare makes.
TEST(Panels, ActivationsPackedByTheDriverEqualThosePackedByPrepare) {
  IsaGuard guard;
  const Matrix a = random_q8_0(48, 1024, 21), b = random_q8_0(37, 1024, 22);
  const Panels pa = pack(a), pb = pack(b);
  std::mt19937 rng(23);
  const int64_t n_act = 64;  // 64 x 1024: enough work for the driver to pack on two threads
  const auto x = random_floats(rng, n_act * 1024);
  for (Isa isa : supported_isas()) {
    if (isa == Isa::scalar) continue;
    set_isa(isa);
    Activations own;
    own.prepare(TensorType::Q8_0, x.data(), n_act, 1024, 1024);
    std::vector<float> want_a(static_cast<size_t>(n_act * a.rows)), want_b(static_cast<size_t>(n_act * b.rows));
    matmul(pa.view, own, want_a.data(), a.rows, 2);
    matmul(pb.view, own, want_b.data(), b.rows, 2);
    set_isa(Isa::scalar);
    Activations plain;
    plain.prepare(TensorType::Q8_0, x.data(), n_act, 1024, 1024);
    set_isa(isa);
    std::vector<float> ya(want_a.size(), NAN), yb(want_b.size(), NAN);
    const MatmulTarget targets[] = {{pa.view, ya.data(), a.rows}, {pb.view, yb.data(), b.rows}};
    matmul(targets, plain, 2);
    EXPECT_EQ(std::memcmp(ya.data(), want_a.data(), want_a.size() * 4), 0) << isa_label(isa);
    EXPECT_EQ(std::memcmp(yb.data(), want_b.data(), want_b.size() * 4), 0) << isa_label(isa);
  }
}

// Rows of no elements: every dot product is 0, on either layout, whatever the row count.
TEST(Panels, EmptyRowsGiveZeros) {
  IsaGuard guard;
  const Matrix m{20, 0, 0, std::vector<uint8_t>(1)};  // no bytes needed, but not a null pointer
  const Panels p = pack(m);
  Activations act;
  const float x = 0.0f;
  act.prepare(TensorType::Q8_0, &x, 12, 0, 0);
  for (Isa isa : supported_isas()) {
    set_isa(isa);
    for (const MatrixView& w : {m.view(), p.view}) {
      std::vector<float> y(12 * 20, NAN);
      matmul(w, act, y.data(), 20, 2);
      for (float v : y) ASSERT_EQ(v, 0.0f) << isa_label(isa);
    }
  }
}

TEST(Panels, RefusesWhatItCannotPackOrMultiply) {
  EXPECT_TRUE(packs_to_panels(TensorType::Q8_0));
  EXPECT_FALSE(packs_to_panels(TensorType::F16));
  EXPECT_TRUE(packs_to_panels(TensorType::Q6_K));
  EXPECT_THROW(panel_bytes(TensorType::F16, 16, 32), Error);
  EXPECT_THROW(panel_bytes(TensorType::Q6_K, 16, 128), Error);  // not whole super-blocks
  EXPECT_THROW(panel_bytes(TensorType::Q8_0, 16, 33), Error);
  EXPECT_THROW(panel_bytes(TensorType::Q8_0, -1, 32), Error);
  EXPECT_THROW(panel_bytes(TensorType::Q8_0, 16, int64_t{1} << 62), Error);  // would overflow
  const Matrix m = random_q8_0(16, 64, 9);
  alignas(64) static uint8_t out[2 * 1152 + 64];
  EXPECT_THROW(pack_panels(m.view(), out + 1, 1), Error);  // not 64-byte aligned
  const MatrixView packed = pack_panels(m.view(), out, 1);
  EXPECT_THROW(pack_panels(packed, out, 1), Error);  // packed already
  MatrixView f16 = packed;
  f16.type = TensorType::F16;
  Activations act;
  const std::vector<float> x(64, 0.5f);
  act.prepare(TensorType::F16, x.data(), 1, 64, 64);
  std::vector<float> y(16);
  EXPECT_THROW(matmul(f16, act, y.data(), 16, 1), Error);
  MatrixView q6 = packed;  // Q8_0 panels claimed to be Q6_K
  q6.type = TensorType::Q6_K;
  EXPECT_THROW(matmul(q6, act, y.data(), 16, 1), Error);
  MatrixView unaligned = packed;
  unaligned.data = out + 32;
  act.prepare(TensorType::Q8_0, x.data(), 1, 64, 64);
  EXPECT_THROW(matmul(unaligned, act, y.data(), 16, 1), Error);
}

}  // namespace
}  // namespace nanollama::kernels::testing
