// SPDX-License-Identifier: Apache-2.0
// `nanollama quantize` end to end: its output holds llama.cpp's tensor bytes and the right
// metadata, and it refuses what it cannot do with exit code 1 and a one-line message.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include "kernel_test_util.h"
#include "nanollama/gguf.h"
#include "support/test_support.h"

#ifdef NANOLLAMA_CLI_PATH

namespace nanollama::kernels::testing {
namespace {

using nanollama::testing::fixture;
using nanollama::testing::TempDir;

struct Result {
  int exit_code;
  std::string stderr_text;
};

Result run_cli(const std::string& args, const TempDir& dir) {
  const std::string err_file = dir.file("stderr.txt").string();
  const std::string cmd = std::string(NANOLLAMA_CLI_PATH) + " " + args + " 2>" + err_file + " >/dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, nanollama::testing::read_text(err_file)};
}

TEST(QuantizeTool, WritesLlamaCppTensorsAndMetadata) {
  NANOLLAMA_REQUIRE_FIXTURES();
  TempDir dir;
  const std::string src = fixture("models/nano-tiny-f16.gguf").string();
  for (auto [type, ref_name, file_type] : {std::tuple{"q8_0", "nano-tiny-q8_0.gguf", 7u}, std::tuple{"q6_k", "nano-tiny-q6_k.gguf", 18u}}) {
    const std::string out = dir.file(std::string("out-") + type + ".gguf").string();
    const Result r = run_cli("quantize " + src + " " + out + " --type " + type + " --threads 2", dir);
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    const auto got = gguf::GgufFile::open(out);
    const auto ref = gguf::GgufFile::open(fixture(std::string("models/") + ref_name).string());
    EXPECT_EQ(got->get<uint32_t>("general.file_type"), file_type);
    EXPECT_EQ(got->get<uint32_t>("general.quantization_version"), 2u);
    EXPECT_EQ(got->get<std::string>("general.architecture"), "llama");
    ASSERT_EQ(got->tensors().size(), ref->tensors().size());
    for (const auto& t : ref->tensors()) {
      const auto& mine = got->tensor(t.name);
      EXPECT_EQ(mine.type, t.type) << t.name;
      ASSERT_EQ(mine.n_bytes, t.n_bytes) << t.name;
      EXPECT_TRUE(std::equal(t.data, t.data + t.n_bytes, mine.data)) << t.name << " differs from " << ref_name;
    }
  }
}

TEST(QuantizeTool, RefusesWhatItCannotDo) {
  NANOLLAMA_REQUIRE_FIXTURES();
  TempDir dir;
  const std::string f16 = fixture("models/nano-tiny-f16.gguf").string();
  const std::string out = dir.file("out.gguf").string();
  auto expect_refusal = [&](const std::string& args, const std::string& needle) {
    const Result r = run_cli(args, dir);
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.stderr_text.find(needle), std::string::npos) << r.stderr_text;
    EXPECT_EQ(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n'), 1) << r.stderr_text;
  };
  expect_refusal("quantize " + fixture("models/stories260K.gguf").string() + " " + out + " --type q8_0",
                 "blk.0.ffn_down.weight");
  expect_refusal("quantize " + fixture("models/nano-tiny-q8_0.gguf").string() + " " + out + " --type q6_k",
                 "already quantized");
  ASSERT_EQ(run_cli("quantize " + f16 + " " + out + " --type f16", dir).exit_code, 0);
  expect_refusal("quantize " + f16 + " " + out + " --type q8_0", "--force");
  expect_refusal("quantize " + out + " " + out + " --type q8_0 --force", "is the input");
  EXPECT_EQ(run_cli("quantize " + f16 + " " + out + " --type q8_0 --force", dir).exit_code, 0);
  EXPECT_EQ(gguf::GgufFile::open(out)->tensor("blk.0.attn_q.weight").type, TensorType::Q8_0);
  EXPECT_EQ(run_cli("quantize " + f16 + " " + out + " --type q4_0", dir).exit_code, 2);  // usage
}

}  // namespace
}  // namespace nanollama::kernels::testing

#endif
