// SPDX-License-Identifier: Apache-2.0
// TagGenerator end to end on a small random model whose output leans toward tag words: the
// loop's promises (bans, dedupe, targets, reuse, variants, determinism, cancellation).
#include <set>
#include <thread>

#include "nanollama/tags.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

class TagGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = testing::make_test_model(testing::tag_model_spec()); }
  static void TearDownTestSuite() { model_.reset(); }

  static TagGeneratorOptions options(int32_t threads = 2) {
    TagGeneratorOptions o;
    o.n_threads = threads;
    return o;
  }
  static TagRequest request(uint64_t seed = 1) {
    TagRequest r;
    r.general = {"1girl", "solo", "long hair"};
    r.rating = {"safe"};
    r.target = tags::Target::short_;
    r.seed = seed;
    r.max_new_tokens = 96;
    return r;
  }

  static std::shared_ptr<const Model> model_;
};

std::shared_ptr<const Model> TagGeneratorTest::model_;

TEST_F(TagGeneratorTest, ProducesNewUniqueTagsAndAFormattedPrompt) {
  TagGenerator g(model_, nullptr, options());
  const TagResult r = g.generate(request());
  ASSERT_EQ(r.variants.size(), 1u);
  const TagVariant& v = r.variants[0];
  EXPECT_FALSE(v.tags.empty());
  std::set<std::string> keys;
  for (const auto& t : v.tags) {
    EXPECT_FALSE(t.empty());
    EXPECT_EQ(t.find(','), std::string::npos) << t;
    EXPECT_NE(t, "long hair");  // already in the input: a duplicate
    EXPECT_TRUE(keys.insert(t).second) << "duplicate tag " << t;
  }
  EXPECT_NE(v.formatted.find("1girl"), std::string::npos);  // special tags lead the template
  EXPECT_EQ(v.formatted.rfind("1girl", 0), 0u) << v.formatted;
  EXPECT_NE(v.dtg_prompt.find("target: <|short|>"), std::string::npos);
  EXPECT_NE(v.dtg_prompt.find("general: 1girl, solo, long hair<|input_end|>"), std::string::npos) << v.dtg_prompt;
  EXPECT_GT(r.total.generated_tokens, 0);
  EXPECT_GE(r.total.passes, 1);
}

TEST_F(TagGeneratorTest, ReachesTheTargetCountByRetrying) {
  TagGenerator g(model_, nullptr, options());
  TagRequest req = request(3);
  req.max_new_tokens = 12;  // too few per pass: only retries can reach 16
  const TagResult r = g.generate(req);
  const TagVariant& v = r.variants[0];
  EXPECT_TRUE(v.reached_target);
  EXPECT_GE(static_cast<int>(v.tags.size()) + 3, 16);
  EXPECT_GT(v.stats.passes, 1);
}

TEST_F(TagGeneratorTest, BannedTagsNeverAppearAndAreRolledBack) {
  TagGenerator g(model_, nullptr, options());
  // Find what the model likes to write, then ban it.
  const TagResult free_run = g.generate(request(5));
  ASSERT_GE(free_run.variants[0].tags.size(), 2u);
  TagRequest req = request(5);
  const std::string banned_word = free_run.variants[0].tags[0];
  req.ban = {banned_word, free_run.variants[0].tags[1] + "*"};
  const TagResult r = g.generate(req);
  tags::BanList bans(req.ban);
  for (const auto& t : r.variants[0].tags) EXPECT_FALSE(bans.matches(t)) << t;
  EXPECT_GT(r.total.rejected_tags, 0);
  EXPECT_GT(r.total.rolled_back_tokens, 0);
}

TEST_F(TagGeneratorTest, SameRequestSameTagsWithOneOrTwoThreadsAndWithOrWithoutReuse) {
  TagGenerator a(model_, nullptr, options(1));
  TagGenerator b(model_, nullptr, options(2));
  const TagResult ra = a.generate(request(7));
  const TagResult rb = b.generate(request(7));
  EXPECT_EQ(ra.variants[0].tags, rb.variants[0].tags);
  EXPECT_EQ(ra.variants[0].formatted, rb.variants[0].formatted);
  // A second request on b shares most of its prompt with the first: reused, same output.
  const TagResult again = b.generate(request(7));
  EXPECT_GT(again.total.reused_tokens, 0);
  EXPECT_LT(again.total.prompt_tokens, ra.total.prompt_tokens);
  EXPECT_EQ(again.variants[0].tags, ra.variants[0].tags);
  // A different seed gives a different list.
  EXPECT_NE(b.generate(request(8)).variants[0].tags, ra.variants[0].tags);
}

TEST_F(TagGeneratorTest, VariantsInOneBatchEqualSeparateRequests) {
  TagGenerator g(model_, nullptr, options());
  TagRequest req = request(100);
  req.variants = 3;
  const TagResult batched = g.generate(req);
  ASSERT_EQ(batched.variants.size(), 3u);
  TagGenerator alone(model_, nullptr, options());
  for (int i = 0; i < 3; ++i) {
    TagRequest one = request(100 + static_cast<uint64_t>(i));
    const TagResult r = alone.generate(one);
    EXPECT_EQ(batched.variants[static_cast<size_t>(i)].seed, 100u + static_cast<uint64_t>(i));
    EXPECT_EQ(batched.variants[static_cast<size_t>(i)].tags, r.variants[0].tags) << "variant " << i;
  }
}

TEST_F(TagGeneratorTest, CallbackSeesEachTagAndCanCancel) {
  TagGenerator g(model_, nullptr, options());
  std::vector<std::string> seen;
  const TagResult r = g.generate(request(9), [&](int32_t variant, std::string_view tag) {
    EXPECT_EQ(variant, 0);
    seen.emplace_back(tag);
    return true;
  });
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
            std::set<std::string>(r.variants[0].tags.begin(), r.variants[0].tags.end()));

  int calls = 0;
  const TagResult stopped = g.generate(request(9), [&](int32_t, std::string_view) { return ++calls < 2; });
  EXPECT_TRUE(stopped.cancelled);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(stopped.variants[0].tags.size(), 2u);
  // The generator is still usable, and the cancelled run left nothing behind.
  EXPECT_EQ(g.generate(request(9)).variants[0].tags, r.variants[0].tags);
}

TEST_F(TagGeneratorTest, StopsCleanlyWhenTheContextIsFull) {
  TagGeneratorOptions o = options();
  o.n_ctx = 96;  // the prompt is about 60 tokens: little room for tags
  TagGenerator g(model_, nullptr, o);
  TagRequest req = request(11);
  req.target = tags::Target::very_long;
  const TagResult r = g.generate(req);
  EXPECT_TRUE(r.variants[0].context_full);
  EXPECT_FALSE(r.variants[0].reached_target);
  // The prompt alone not fitting is an error, not a silent truncation.
  TagGeneratorOptions tiny = options();
  tiny.n_ctx = 16;
  TagGenerator t(model_, nullptr, tiny);
  try {
    t.generate(req);
    FAIL() << "expected context_full";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::context_full);
  }
}

TEST_F(TagGeneratorTest, RawPromptKeepsWeightsBreakAndNetworks) {
  TagGenerator g(model_, nullptr, options());
  TagRequest req = request(13);
  req.general.clear();
  req.rating.clear();
  req.prompt = "masterpiece, 1girl, (red eyes:1.2), BREAK, smile, <lora:style:0.8>";
  const TagResult r = g.generate(req);
  const std::string& out = r.variants[0].formatted;
  EXPECT_NE(out.find("(red eyes:1.2)"), std::string::npos) << out;
  EXPECT_NE(out.find("BREAK"), std::string::npos) << out;
  EXPECT_NE(out.find("<lora:style:0.8>"), std::string::npos) << out;
  EXPECT_NE(r.variants[0].dtg_prompt.find("general: 1girl, red eyes, smile<|input_end|>"), std::string::npos)
      << r.variants[0].dtg_prompt;

  req.no_format = true;
  const TagResult plain = g.generate(req);
  EXPECT_EQ(plain.variants[0].formatted.rfind(req.prompt + ", ", 0), 0u) << plain.variants[0].formatted;
}

TEST_F(TagGeneratorTest, BadRequestsAreRefused) {
  TagGenerator g(model_, nullptr, options());
  TagRequest req = request();
  req.variants = 0;
  EXPECT_THROW(g.generate(req), Error);
  req = request();
  req.ban = {"re:("};  // not a valid expression
  EXPECT_THROW(g.generate(req), Error);
  req = request();
  req.sampling.top_p = 2.0f;
  EXPECT_THROW(g.generate(req), Error);
}

TEST_F(TagGeneratorTest, ManyGeneratorsShareOneModelAcrossThreads) {
  auto tokenizer = Tokenizer::from_gguf(model_->file());
  std::vector<std::vector<std::string>> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      TagGenerator g(model_, tokenizer, options(1));
      results[static_cast<size_t>(i)] = g.generate(request(50)).variants[0].tags;
    });
  }
  for (auto& t : threads) t.join();
  TagGenerator single(model_, tokenizer, options(1));
  const auto expected = single.generate(request(50)).variants[0].tags;
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

TEST(TagRequestJson, KeysAreTheOptionNames) {
  const auto r = tag_request_from_json(json::parse(
      R"({"general": "1girl, solo", "target": "short", "seed": 18446744073709551615, "ban": ["umbrella", "x*"],
          "size": "832x1216", "temp": 0.5, "top-k": 10, "variants": 2, "no-format": true, "activation": "mish"})"));
  EXPECT_EQ(r.general, (std::vector<std::string>{"1girl, solo"}));  // web UI text, parsed whole later
  EXPECT_EQ(r.target, tags::Target::short_);
  EXPECT_EQ(r.seed, 18446744073709551615ull);
  EXPECT_EQ(r.ban.size(), 2u);
  EXPECT_EQ(r.width, 832);
  EXPECT_EQ(r.height, 1216);
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.5f);
  EXPECT_EQ(r.sampling.top_k, 10);
  EXPECT_EQ(r.variants, 2);
  EXPECT_TRUE(r.no_format);
  EXPECT_EQ(r.activation, Activation::mish);
  for (const char* bad : {R"({"target": "medium"})", R"({"bogus": 1})", R"({"seed": -2})", R"({"seed": -1.5})",
                          R"({"size": "big"})", R"({"temp": "hot"})", R"([1])", R"({"max-same-output": 0})",
                          R"({"builtin-lists": "no"})", R"({"size": "99999999999x2"})", R"({"size": "832x"})",
                          R"({"size": "832x1216px"})", R"({"size": "0x5"})", R"({"size": "2000000x5"})"}) {
    EXPECT_THROW(tag_request_from_json(json::parse(bad)), Error) << bad;
  }
}

TEST(TagRequestJson, RandomSeedAndNewKeys) {
  TagRequest defaults;
  defaults.seed = 7;
  EXPECT_FALSE(tag_request_from_json(json::parse(R"({"seed": -1})"), defaults).seed.has_value());
  EXPECT_FALSE(tag_request_from_json(json::parse(R"({"seed": null})"), defaults).seed.has_value());
  EXPECT_EQ(tag_request_from_json(json::parse(R"({})"), defaults).seed, 7u);
  EXPECT_FALSE(TagRequest{}.seed.has_value());  // no seed: a fresh one per request
  const auto r = tag_request_from_json(json::parse(
      R"j({"max-same-output": 4, "builtin-lists": false, "width": 832, "height": 1216, "general": ["a, (b, c:1.2)", "d"]})j"));
  EXPECT_EQ(r.max_same_output, 4);
  EXPECT_EQ(r.builtin_lists, false);
  EXPECT_EQ(r.width, 832);
  EXPECT_EQ(r.height, 1216);
  EXPECT_EQ(r.general, (std::vector<std::string>{"a, (b, c:1.2)", "d"}));
}

TEST(TagRequestJson, TheExtensionsAndKgensNames) {
  const auto r = tag_request_from_json(json::parse(
      R"({"Tag_Length": "very long", "ban_tags": "umbrella", "temperature": 1.35, "top_p": 0.95, "top_k": 100,
          "min_p": 0.05, "no_formatting": true, "max_retry": 5, "max_same_output": 3, "special_tags": "1girl",
          "Max New Tokens": 256, "aspect_ratio": 0.5})"));
  EXPECT_EQ(r.target, tags::Target::very_long);
  EXPECT_EQ(r.ban, (std::vector<std::string>{"umbrella"}));
  EXPECT_FLOAT_EQ(r.sampling.temperature, 1.35f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 0.95f);
  EXPECT_EQ(r.sampling.top_k, 100);
  EXPECT_FLOAT_EQ(r.sampling.min_p, 0.05f);
  EXPECT_TRUE(r.no_format);
  EXPECT_EQ(r.max_retries, 5);
  EXPECT_EQ(r.max_same_output, 3);
  EXPECT_EQ(r.special, (std::vector<std::string>{"1girl"}));
  EXPECT_EQ(r.max_new_tokens, 256);
  EXPECT_EQ(r.aspect_ratio, 0.5);
  EXPECT_EQ(tag_request_from_json(json::parse(R"({"total tag length": "Very Short"})")).target, tags::Target::very_short);
  // One setting under two names is a mistake worth naming.
  try {
    tag_request_from_json(json::parse(R"({"temp": 1.0, "temperature": 0.5})"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("temperature"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("temp"), std::string::npos) << e.what();
  }
}

// Issue 14, point 7: --no-format with --prompt and --general printed the prompt and the new
// tags, and dropped the general tags.
TEST_F(TagGeneratorTest, NoFormatKeepsTheGeneralTagsBesideThePrompt) {
  TagGenerator g(model_, nullptr, options());
  TagRequest r = request();
  r.prompt = "1girl, (solo:1.2)";
  r.general = {"blue sky, (smile:0.9)"};
  r.rating.clear();
  r.no_format = true;
  const TagVariant v = g.generate(r).variants[0];
  EXPECT_EQ(v.formatted.rfind("1girl, (solo:1.2), blue sky, (smile:0.9)", 0), 0u) << v.formatted;
  ASSERT_FALSE(v.tags.empty());
  EXPECT_EQ(v.formatted.substr(v.formatted.size() - v.tags.back().size()), v.tags.back());
}

TEST_F(TagGeneratorTest, NoSeedDrawsOneAndReportsIt) {
  TagGenerator g(model_, nullptr, options());
  TagRequest r = request();
  r.seed.reset();
  r.variants = 2;
  const TagResult first = g.generate(r);
  const TagResult second = g.generate(r);
  const uint64_t seed = first.variants[0].seed;
  EXPECT_LT(seed, (uint64_t{1} << 31) - 1);  // the extension's range
  EXPECT_EQ(first.variants[1].seed, seed + 1);
  EXPECT_NE(second.variants[0].seed, seed);  // 1 in 2^31 to fail by chance
  // The reported seed gives the variant back.
  TagRequest again = request(seed);
  again.variants = 2;
  const TagResult replay = g.generate(again);
  EXPECT_EQ(replay.variants[0].tags, first.variants[0].tags);
  EXPECT_EQ(replay.variants[1].tags, first.variants[1].tags);
  const json::Value j = tag_result_to_json(first);
  EXPECT_EQ(j.find("seed")->as_uint(), seed);
  EXPECT_EQ(j.find("variants")->as_array()[1].find("seed")->as_uint(), seed + 1);
}

TEST_F(TagGeneratorTest, ResultSaysWhichModelAndLayout) {
  TagGenerator g(model_, nullptr, options());
  const TagResult r = g.generate(request());
  EXPECT_TRUE(r.model.dantaggen_vocabulary);
  EXPECT_EQ(r.model.context_length, 1024);  // no DanTagGen context length, no version in the name
  EXPECT_EQ(r.model.detected_from, "none");
  EXPECT_FALSE(r.quality_line);
  TagRequest on = request();
  on.quality_line = true;
  const TagResult with_line = g.generate(on);
  EXPECT_TRUE(with_line.quality_line);
  EXPECT_EQ(with_line.variants[0].dtg_prompt.rfind("quality: \n", 0), 0u);
  const json::Value j = tag_result_to_json(with_line);
  EXPECT_TRUE(j.find("quality_line")->as_bool());
  EXPECT_EQ(j.find("model")->find("detected_from")->as_string(), "none");
  EXPECT_TRUE(j.find("model")->find("dtg_version")->is_null());
}

}  // namespace
}  // namespace nanollama
