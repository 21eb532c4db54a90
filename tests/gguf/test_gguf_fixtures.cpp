// SPDX-License-Identifier: Apache-2.0
// Reading the real GGUF files in ../shared/fixtures: every tensor where the model's shape
// says it must be, with the type the file's producer wrote.
#include <map>

#include "nanollama/gguf.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using gguf::GgufFile;

struct Shape {
  uint64_t dim, ffn, layers, heads, kv_heads, vocab;
};

// The tensor table a LLaMA model of this shape must have (docs/MODEL.md, "Tensors").
std::map<std::string, std::vector<uint64_t>> expected_tensors(const Shape& s) {
  const uint64_t head_dim = s.dim / s.heads;
  std::map<std::string, std::vector<uint64_t>> t = {
      {"token_embd.weight", {s.dim, s.vocab}},
      {"output_norm.weight", {s.dim}},
      {"output.weight", {s.dim, s.vocab}},
  };
  for (uint64_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    t[p + "attn_norm.weight"] = {s.dim};
    t[p + "attn_q.weight"] = {s.dim, s.heads * head_dim};
    t[p + "attn_k.weight"] = {s.dim, s.kv_heads * head_dim};
    t[p + "attn_v.weight"] = {s.dim, s.kv_heads * head_dim};
    t[p + "attn_output.weight"] = {s.heads * head_dim, s.dim};
    t[p + "ffn_norm.weight"] = {s.dim};
    t[p + "ffn_gate.weight"] = {s.dim, s.ffn};
    t[p + "ffn_up.weight"] = {s.dim, s.ffn};
    t[p + "ffn_down.weight"] = {s.ffn, s.dim};
  }
  return t;
}

void check_model(const std::string& name, const Shape& shape, TensorType matrix_type) {
  auto file = GgufFile::open(testing::fixture("models/" + name).string());
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->get<std::string>("general.architecture"), "llama");
  EXPECT_EQ(file->get<uint32_t>("llama.embedding_length"), shape.dim);
  EXPECT_EQ(file->get<uint32_t>("llama.feed_forward_length"), shape.ffn);
  EXPECT_EQ(file->get<uint32_t>("llama.block_count"), shape.layers);
  EXPECT_EQ(file->get<uint32_t>("llama.attention.head_count"), shape.heads);
  EXPECT_EQ(file->get<uint32_t>("llama.attention.head_count_kv"), shape.kv_heads);
  EXPECT_EQ(file->get<std::vector<std::string>>("tokenizer.ggml.tokens").size(), shape.vocab);

  const auto expected = expected_tensors(shape);
  ASSERT_EQ(file->tensors().size(), expected.size()) << name;
  for (const auto& [tensor_name, dims] : expected) {
    const auto* t = file->find_tensor(tensor_name);
    ASSERT_NE(t, nullptr) << name << ": " << tensor_name;
    EXPECT_EQ(t->dims, dims) << name << ": " << tensor_name;
    const TensorType want = dims.size() == 1 ? TensorType::F32 : matrix_type;
    EXPECT_EQ(t->type, want) << name << ": " << tensor_name;
    EXPECT_EQ(t->n_bytes, *row_bytes(t->type, t->n_elements));
    EXPECT_EQ((t->data - file->tensors()[0].data + file->tensors()[0].offset) % file->alignment(), 0u);
  }
}

TEST(GgufFixtures, NanoTinyF16) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_model("nano-tiny-f16.gguf", {256, 768, 2, 8, 4, 32006}, TensorType::F16);
}

TEST(GgufFixtures, NanoTinyQ8_0) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_model("nano-tiny-q8_0.gguf", {256, 768, 2, 8, 4, 32006}, TensorType::Q8_0);
}

TEST(GgufFixtures, NanoTinyQ6_K) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_model("nano-tiny-q6_k.gguf", {256, 768, 2, 8, 4, 32006}, TensorType::Q6_K);
}

TEST(GgufFixtures, Stories260K) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_model("stories260K.gguf", {64, 172, 5, 8, 4, 512}, TensorType::F32);
}

TEST(GgufFixtures, TokenizerArraysHaveTheirTypes) {
  NANOLLAMA_REQUIRE_FIXTURES();
  auto file = GgufFile::open(testing::fixture("models/nano-tiny-f16.gguf").string());
  const auto tokens = file->get<std::vector<std::string>>("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(tokens[32005], "<|input_end|>");
  EXPECT_EQ(file->get<std::vector<int32_t>>("tokenizer.ggml.token_type")[32005], 4);  // USER_DEFINED
  EXPECT_EQ(file->get<std::vector<float>>("tokenizer.ggml.scores").size(), tokens.size());
  EXPECT_TRUE(file->get<bool>("tokenizer.ggml.add_bos_token"));
  EXPECT_FLOAT_EQ(file->get<float>("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
}

}  // namespace
}  // namespace nanollama
