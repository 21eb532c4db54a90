// SPDX-License-Identifier: Apache-2.0
// Against llama.cpp's own files: quantizing the F16 fixture model must reproduce the bytes
// of llama.cpp's Q8_0 and Q6_K files, and dequantizing those files must stay within the
// formats' resolution of the F16 source.
#include <cstring>

#include "kernel_test_util.h"
#include "nanollama/gguf.h"
#include "support/test_support.h"

namespace nanollama::kernels::testing {
namespace {

using nanollama::testing::fixture;

std::vector<float> decode(const gguf::TensorInfo& t) {
  std::vector<float> out(t.n_elements);
  const size_t stride = t.n_bytes / t.rows();
  for (uint64_t r = 0; r < t.rows(); ++r) {
    dequantize_row(t.type, t.data + r * stride, out.data() + r * t.cols(), static_cast<int64_t>(t.cols()));
  }
  return out;
}

void expect_requantization_matches(const char* quantized_file) {
  const auto src = gguf::GgufFile::open(fixture("models/nano-tiny-f16.gguf").string());
  const auto ref = gguf::GgufFile::open(fixture(std::string("models/") + quantized_file).string());
  int compared = 0;
  for (const auto& want : ref->tensors()) {
    if (want.dims.size() != 2 || want.type == TensorType::F32) continue;
    const auto& from = src->tensor(want.name);
    ASSERT_EQ(from.type, TensorType::F16) << want.name;
    const auto x = decode(from);
    std::vector<uint8_t> got(want.n_bytes);
    const size_t stride = want.n_bytes / want.rows();
    for (uint64_t r = 0; r < want.rows(); ++r) {
      quantize_row(want.type, x.data() + r * want.cols(), got.data() + r * stride, static_cast<int64_t>(want.cols()));
    }
    size_t first_diff = got.size();
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != want.data[i]) {
        first_diff = i;
        break;
      }
    }
    EXPECT_EQ(first_diff, got.size()) << want.name << " (" << tensor_type_name(want.type) << ") differs from "
                                      << quantized_file << " first at byte " << first_diff << " of " << got.size();
    ++compared;
  }
  EXPECT_GE(compared, 10);
}

TEST(Fixtures, Q8_0QuantizationReproducesLlamaCppBitForBit) {
  NANOLLAMA_REQUIRE_FIXTURES();
  expect_requantization_matches("nano-tiny-q8_0.gguf");
}

TEST(Fixtures, Q6_KQuantizationReproducesLlamaCppBitForBit) {
  NANOLLAMA_REQUIRE_FIXTURES();
  expect_requantization_matches("nano-tiny-q6_k.gguf");
}

// Relative RMS error of each tensor against its F16 source: Q8_0 keeps about 8 bits per
// 32 weights, Q6_K about 6 per 16; the bounds are the formats' uniform-rounding error with
// margin, far below what a wrong layout or scale would give.
TEST(Fixtures, DequantizedTensorsStayWithinQuantizationError) {
  NANOLLAMA_REQUIRE_FIXTURES();
  const auto src = gguf::GgufFile::open(fixture("models/nano-tiny-f16.gguf").string());
  for (auto [file, bound] : {std::pair{"nano-tiny-q8_0.gguf", 0.01}, std::pair{"nano-tiny-q6_k.gguf", 0.04}}) {
    const auto q = gguf::GgufFile::open(fixture(std::string("models/") + file).string());
    for (const auto& t : q->tensors()) {
      if (t.dims.size() != 2) continue;
      const auto got = decode(t);
      const auto want = decode(src->tensor(t.name));
      double err = 0, norm = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        err += std::pow(static_cast<double>(got[i]) - static_cast<double>(want[i]), 2);
        norm += std::pow(static_cast<double>(want[i]), 2);
      }
      EXPECT_LE(std::sqrt(err / norm), bound) << file << " " << t.name;
    }
  }
}

}  // namespace
}  // namespace nanollama::kernels::testing
