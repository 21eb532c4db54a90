// SPDX-License-Identifier: Apache-2.0
// `nanollama tags` end to end: human output, --json, --batch with a bad line, exit codes.
#include "nanollama/json.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::run_driver;

class DriverTags : public testing::SuiteWithModel<DriverTags> {
 protected:
  static void SetUpTestSuite() {
    make_model("tags.gguf", {"--dim", "128", "--ffn", "256", "--layers", "2", "--heads", "4",
                "--vocab", "2000", "--type", "q8_0", "--seed", "3"});
  }
};

TEST_F(DriverTags, PrintsTheFormattedPromptAndASummary) {
  auto r = run_driver({"tags", "-m", model_, "--general", "1girl, solo", "--rating", "safe", "--target", "very_short",
                       "--seed", "1", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("1girl,", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("safe"), std::string::npos);
  EXPECT_NE(r.err.find("tags: 1 variant"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("random weights"), std::string::npos) << r.err;  // said plainly
  // The same seed prints the same prompt.
  auto again = run_driver({"tags", "-m", model_, "--general", "1girl, solo", "--rating", "safe", "--target",
                           "very_short", "--seed", "1", "--threads", "2"});
  EXPECT_EQ(again.out, r.out);
}

TEST_F(DriverTags, JsonCarriesTheTagsAsAnArray) {
  auto r = run_driver({"tags", "-m", model_, "--general", "1girl", "--target", "very_short", "--seed", "4", "--json",
                       "--variants", "2", "--ban", "umbrella"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = json::parse(r.out);
  EXPECT_TRUE(v.find("tags")->is_array());
  EXPECT_EQ(v.find("variants")->as_array().size(), 2u);
  EXPECT_EQ(v.find("variants")->as_array()[1].find("seed")->as_uint(), 5u);
  EXPECT_TRUE(v.find("formatted")->is_string());
}

TEST_F(DriverTags, BatchAnswersEveryLineInOrderAndSurvivesABadOne) {
  const std::string input =
      "{\"general\": \"1girl, solo\", \"target\": \"very_short\", \"seed\": 1}\n"
      "{\"general\": \"1boy\", \"target\": \"huge\"}\n"
      "\n"
      "not json\n"
      "{\"general\": \"1girl, solo\", \"target\": \"very_short\", \"seed\": 1, \"ban\": \"umbrella\"}\n";
  auto r = run_driver({"tags", "-m", model_, "--batch", "-", "--threads", "1"}, input);
  EXPECT_EQ(r.exit_code, 1);  // some lines failed
  std::vector<json::Value> lines;
  size_t start = 0;
  while (start < r.out.size()) {
    const size_t end = r.out.find('\n', start);
    lines.push_back(json::parse(r.out.substr(start, end - start)));
    start = end + 1;
  }
  // Exactly one result per input line: the blank one is refused too.
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].find("line")->as_int(), 1);
  EXPECT_TRUE(lines[0].find("tags")->is_array());
  EXPECT_NE(lines[1].find("error")->as_string().find("target"), std::string::npos);
  EXPECT_EQ(lines[2].find("line")->as_int(), 3);
  EXPECT_NE(lines[2].find("error")->as_string().find("empty"), std::string::npos);
  EXPECT_EQ(lines[3].find("line")->as_int(), 4);
  EXPECT_TRUE(lines[3].find("error") != nullptr);
  EXPECT_EQ(lines[4].find("line")->as_int(), 5);
  EXPECT_TRUE(lines[4].find("tags")->is_array());
  // The model was loaded once and the prompt reused: the last line reused its prefix.
  EXPECT_GT(lines[4].find("total")->find("reused_tokens")->as_int(), 0);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST_F(DriverTags, BatchInParallelWritesTheSameLinesInTheSameOrder) {
  std::string input;
  const char* generals[] = {"1girl, solo", "2girls", "1boy, sword", "cat"};
  for (int i = 0; i < 10; ++i) {
    input += "{\"general\": \"" + std::string(generals[i % 4]) + "\", \"target\": \"" + (i % 2 ? "short" : "very_short") +
             "\", \"seed\": " + std::to_string(i) + (i % 3 ? "" : ", \"variants\": 2") + "}\n";
    if (i == 4) input += "{\"general\": \"x\", \"ban\": \"(bad\"}\n";
  }
  const auto one = run_driver({"tags", "-m", model_, "--batch", "-", "--parallel", "1", "--threads", "1"}, input);
  const auto four = run_driver({"tags", "-m", model_, "--batch", "-", "--parallel", "4", "--threads", "2"}, input);
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_EQ(four.exit_code, 1);
  const auto a = lines_of(one.out), b = lines_of(four.out);
  ASSERT_EQ(a.size(), 11u);
  ASSERT_EQ(b.size(), 11u);
  for (size_t i = 0; i < a.size(); ++i) {
    const auto va = json::parse(a[i]), vb = json::parse(b[i]);
    EXPECT_EQ(va.find("line")->as_int(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(vb.find("line")->as_int(), static_cast<int64_t>(i + 1));
    if (va.find("error")) {
      EXPECT_EQ(i, 5u);
      EXPECT_EQ(vb.find("error")->as_string(), va.find("error")->as_string());
      continue;
    }
    EXPECT_EQ(json::dump(*vb.find("tags")), json::dump(*va.find("tags"))) << "line " << i + 1;
    EXPECT_EQ(vb.find("formatted")->as_string(), va.find("formatted")->as_string());
  }
  EXPECT_EQ(run_driver({"tags", "-m", model_, "--parallel", "2"}).exit_code, 2);  // only with --batch
}

TEST_F(DriverTags, WithoutASeedPrintsTheOneDrawnAndItReproduces) {
  auto r = run_driver({"tags", "-m", model_, "--general", "1girl, solo", "--target", "very short", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t at = r.err.find("seed ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string seed = r.err.substr(at + 5, r.err.find(':', at) - at - 5);
  auto again = run_driver({"tags", "-m", model_, "--general", "1girl, solo", "--target", "very_short", "--threads", "1",
                           "--seed", seed});
  EXPECT_EQ(again.out, r.out);
  EXPECT_NE(again.err.find("seed " + seed + ":"), std::string::npos) << again.err;
  auto minus_one = run_driver({"tags", "-m", model_, "--general", "1girl", "--target", "very short", "--seed", "-1",
                               "--json", "--threads", "1"});
  ASSERT_EQ(minus_one.exit_code, 0) << minus_one.err;
  EXPECT_LT(json::parse(minus_one.out).find("seed")->as_uint(), 2147483647u);
}

TEST_F(DriverTags, ListsLabelsAndRetryOptions) {
  // absurdres is meta in the built-in lists: out of the model's prompt; with --no-builtin-lists it is general.
  auto on = run_driver({"tags", "-m", model_, "--general", "1girl, absurdres", "--target", "Very Short", "--seed", "2",
                        "--json", "--max-same-output", "3", "--max-retries", "2", "--threads", "1"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  const auto v = json::parse(on.out);
  EXPECT_EQ(v.find("categories")->find("meta")->as_array().size(), 1u);
  const std::string& prompt = v.find("dtg_prompt")->as_string();
  EXPECT_NE(prompt.find("general: 1girl, <|input_end|>"), std::string::npos) << prompt;  // then the re-fed new tags
  EXPECT_TRUE(v.find("model")->is_object());
  auto off = run_driver({"tags", "-m", model_, "--general", "1girl, absurdres", "--target", "very_short", "--seed", "2",
                         "--json", "--no-builtin-lists", "--threads", "1"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_NE(json::parse(off.out).find("dtg_prompt")->as_string().find("1girl, absurdres"), std::string::npos);
  EXPECT_EQ(run_driver({"tags", "-m", model_, "--max-same-output", "0"}).exit_code, 2);
}

TEST_F(DriverTags, ErrorsAndUsage) {
  EXPECT_EQ(run_driver({"tags", "-m", model_, "--target", "medium"}).exit_code, 2);
  EXPECT_EQ(run_driver({"tags", "-m", model_, "--seed", "abc"}).exit_code, 2);
  EXPECT_EQ(run_driver({"tags", "--general", "1girl"}).exit_code, 2);  // no model
  auto missing = run_driver({"tags", "-m", dir_->file("nope.gguf").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.gguf"), std::string::npos);
  auto help = run_driver({"tags", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--batch"), std::string::npos);
  auto no_vocab = run_driver({"tags", "-m", testing::fixtures_dir() ? testing::fixture("models/stories260K.gguf").string()
                                                                  : dir_->file("nope.gguf").string()});
  EXPECT_EQ(no_vocab.exit_code, 1);  // not a DanTagGen vocabulary (or missing)
}

}  // namespace
}  // namespace nanollama
