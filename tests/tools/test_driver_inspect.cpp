// SPDX-License-Identifier: Apache-2.0
// The driver's `inspect` command end to end: output, --json, exit codes.
#include "nanollama/gguf.h"
#include "nanollama/json.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::run_driver;

std::string small_model(const testing::TempDir& dir) {
  gguf::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("tokenizer.ggml.tokens", std::vector<std::string>(100, "tok"));
  w.add_tensor("token_embd.weight", TensorType::F32, {4, 3}, std::vector<uint8_t>(48, 0));
  w.add_tensor("blk.0.attn_q.weight", TensorType::Q8_0, {32, 2}, std::vector<uint8_t>(68, 0));
  const auto path = dir.file("small.gguf").string();
  w.write(path);
  return path;
}

TEST(DriverInspect, PrintsVersionMetadataTensorsAndSummary) {
  testing::TempDir dir;
  const auto path = small_model(dir);
  auto r = run_driver({"inspect", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GGUF version 3"), std::string::npos);
  EXPECT_NE(r.out.find("general.architecture"), std::string::npos);
  EXPECT_NE(r.out.find("\"llama\""), std::string::npos);
  EXPECT_NE(r.out.find("array[string]"), std::string::npos);
  EXPECT_NE(r.out.find("... (100 items)"), std::string::npos);  // long arrays abbreviated
  EXPECT_NE(r.out.find("blk.0.attn_q.weight"), std::string::npos);
  EXPECT_NE(r.out.find("[32, 2]"), std::string::npos);
  EXPECT_NE(r.out.find("parameters: 76"), std::string::npos);  // 12 + 64
}

TEST(DriverInspect, JsonIsMachineReadable) {
  testing::TempDir dir;
  const auto path = small_model(dir);
  auto r = run_driver({"inspect", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = json::parse(r.out);
  EXPECT_EQ(v.find("version")->as_int(), 3);
  const auto& tensors = v.find("tensors")->as_array();
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[1].find("type")->as_string(), "Q8_0");
  EXPECT_EQ(tensors[1].find("bytes")->as_int(), 68);
  EXPECT_EQ(tensors[1].find("shape")->as_array()[0].as_int(), 32);
  const auto& meta = v.find("metadata")->as_array();
  EXPECT_EQ(meta[1].find("value")->find("length")->as_int(), 100);
  EXPECT_EQ(v.find("summary")->find("parameters")->as_int(), 76);

  auto full = run_driver({"inspect", "--json", "--full", path});
  EXPECT_EQ(json::parse(full.out).find("metadata")->as_array()[1].find("value")->as_array().size(), 100u);
}

TEST(DriverInspect, SaysWhichDanTagGenAFileIs) {
  testing::TempDir dir;
  gguf::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("general.name", "renamed");
  w.set("llama.context_length", uint32_t{512});
  w.set("tokenizer.ggml.tokens", std::vector<std::string>{"<unk>", "<s>", "</s>", "<|empty|>", "<|input_end|>"});
  const auto path = dir.file("dtg.gguf").string();
  w.write(path);
  auto r = run_driver({"inspect", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DanTagGen:\n  version: alpha/beta/gamma (from the context length, 512)\n  prompt: no quality line"),
            std::string::npos)
      << r.out;
  auto j = run_driver({"inspect", "--json", path});
  const auto v = json::parse(j.out);
  EXPECT_EQ(v.find("dantaggen")->find("dtg_version")->as_string(), "alpha/beta/gamma");
  EXPECT_FALSE(v.find("dantaggen")->find("quality_line")->as_bool());
  EXPECT_EQ(v.find("dantaggen")->find("detected_from")->as_string(), "context_length");
  // Not a DanTagGen vocabulary: nothing said.
  const auto other = small_model(dir);
  EXPECT_EQ(run_driver({"inspect", other}).out.find("DanTagGen"), std::string::npos);
  EXPECT_TRUE(json::parse(run_driver({"inspect", "--json", other}).out).find("dantaggen")->is_null());
}

TEST(DriverInspect, BadFilesExitOneWithOneLine) {
  testing::TempDir dir;
  testing::write_bytes(dir.file("junk.gguf"), {'n', 'o', 'p', 'e', 0, 0, 0, 0});
  for (const std::string& path : {dir.file("junk.gguf").string(), dir.file("missing.gguf").string()}) {
    auto r = run_driver({"inspect", path});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  }
}

TEST(DriverInspect, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(run_driver({"inspect"}).exit_code, 2);
  EXPECT_EQ(run_driver({"inspect", "--bogus", "x"}).exit_code, 2);
  EXPECT_EQ(run_driver({"nosuchcommand"}).exit_code, 2);
  EXPECT_EQ(run_driver({}).exit_code, 2);
  auto help = run_driver({"inspect", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: nanollama inspect"), std::string::npos);
  auto overview = run_driver({"--help"});
  EXPECT_EQ(overview.exit_code, 0);
  EXPECT_NE(overview.out.find("inspect"), std::string::npos);
}

TEST(DriverInspect, EveryFixtureModel) {
  NANOLLAMA_REQUIRE_FIXTURES();
  for (const char* name : {"nano-tiny-f16", "nano-tiny-q8_0", "nano-tiny-q6_k", "stories260K"}) {
    auto r = run_driver({"inspect", testing::fixture(std::string("models/") + name + ".gguf").string()});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("token_embd.weight"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace nanollama
