// SPDX-License-Identifier: Apache-2.0
// The model-running driver commands end to end: make-model, logits, generate.
#include <filesystem>

#include "nanollama/gguf.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::run_driver;

TEST(DriverMakeModel, SameArgumentsGiveTheSameBytes) {
  testing::TempDir dir;
  const auto a = dir.file("a.gguf").string(), b = dir.file("b.gguf").string(), c = dir.file("c.gguf").string();
  const std::vector<std::string> shape = {"--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "4", "--vocab", "1500"};
  auto args = [&](const std::string& out, const std::string& seed) {
    std::vector<std::string> v = {"make-model", "-o", out, "--seed", seed, "--type", "q8_0"};
    v.insert(v.end(), shape.begin(), shape.end());
    return v;
  };
  ASSERT_EQ(run_driver(args(a, "5")).exit_code, 0);
  ASSERT_EQ(run_driver(args(b, "5")).exit_code, 0);
  ASSERT_EQ(run_driver(args(c, "6")).exit_code, 0);
  EXPECT_EQ(testing::read_bytes(a), testing::read_bytes(b));
  EXPECT_NE(testing::read_bytes(a), testing::read_bytes(c));
  auto file = gguf::GgufFile::open(a);
  EXPECT_EQ(file->tensor("blk.0.ffn_up.weight").type, TensorType::Q8_0);
  EXPECT_EQ(file->get<uint32_t>("llama.embedding_length"), 64u);
  EXPECT_EQ(file->get<uint32_t>("llama.attention.head_count_kv"), 4u);  // --heads alone sets both

  auto exists = run_driver(args(a, "5"));
  EXPECT_EQ(exists.exit_code, 1);
  EXPECT_NE(exists.err.find("exists (use --force"), std::string::npos) << exists.err;
  EXPECT_EQ(run_driver({"make-model", "-o", dir.file("d.gguf").string(), "--type", "q4_0"}).exit_code, 2);
  EXPECT_EQ(run_driver({"make-model", "--dim", "64"}).exit_code, 2);  // no output
}

TEST(DriverMakeModel, DtgPresetHasDanTagGensShape) {
  // Shape only (metadata), so the test does not write 786 MB: the spec is checked through
  // a model with the preset's metadata but one layer.
  testing::TempDir dir;
  const auto out = dir.file("dtg1.gguf").string();
  ASSERT_EQ(run_driver({"make-model", "--preset", "dtg", "--layers", "1", "--type", "q8_0", "-o", out}).exit_code, 0);
  auto f = gguf::GgufFile::open(out);
  EXPECT_EQ(f->get<uint32_t>("llama.embedding_length"), 1024u);
  EXPECT_EQ(f->get<uint32_t>("llama.feed_forward_length"), 3072u);
  EXPECT_EQ(f->get<uint32_t>("llama.attention.head_count"), 16u);
  EXPECT_EQ(f->get<uint32_t>("llama.attention.head_count_kv"), 16u);
  EXPECT_EQ(f->get<uint32_t>("llama.context_length"), 2048u);
  EXPECT_EQ(f->tensor("output.weight").dims, (std::vector<uint64_t>{1024, 32006}));
  const auto tokens = f->get<std::vector<std::string>>("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens.size(), 32006u);
  EXPECT_EQ(tokens[32005], "<|input_end|>");
}

TEST(DriverLogits, WritesEveryPositionAsFloat32) {
  NANOLLAMA_REQUIRE_FIXTURES();
  testing::TempDir dir;
  const auto out = dir.file("l.f32").string();
  auto r = run_driver({"logits", "-m", testing::fixture("models/stories260K.gguf").string(), "--ids", "1 403 407 261 378",
                       "-o", out, "--kv", "f32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = testing::read_f32(out);
  const auto want = testing::read_f32(testing::fixture("golden/stories260K.logits.f32"));
  ASSERT_EQ(got.size(), 5u * 512u);
  // The first five golden rows are the same prompt ("Once upon a time" with BOS).
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(got[i] - want[i])));
  EXPECT_LE(worst, 1e-4);

  EXPECT_EQ(run_driver({"logits", "-m", testing::fixture("models/stories260K.gguf").string(), "--ids", "1 99999", "-o", out}).exit_code, 1);
  EXPECT_EQ(run_driver({"logits", "-m", testing::fixture("models/stories260K.gguf").string(), "--ids", "1 x", "-o", out}).exit_code, 2);
}

TEST(DriverGenerate, StoriesGreedyTellsTheLilyStory) {
  NANOLLAMA_REQUIRE_FIXTURES();
  auto r = run_driver({"generate", "-m", testing::fixture("models/stories260K.gguf").string(), "-p", "Once upon a time",
                       "--temp", "0", "-n", "40"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", 0), 0u)
      << r.out;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos);
  EXPECT_EQ(run_driver({"generate", "-m", "/nonexistent.gguf", "-p", "x"}).exit_code, 1);
  EXPECT_EQ(run_driver({"generate", "-p", "x"}).exit_code, 2);
}

}  // namespace
}  // namespace nanollama
