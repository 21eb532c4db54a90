// SPDX-License-Identifier: Apache-2.0
// Bad requests through the C++ API: each is refused with an error naming what is wrong, before
// any tokenizing, and the generator gives the same result afterwards as a fresh one.
#include <chrono>

#include "nanollama/tags.h"
#include "nanollama/tokenizer.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

class RequestChecks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = testing::make_test_model(testing::tag_model_spec()); }
  static void TearDownTestSuite() { model_.reset(); }
  static TagGeneratorOptions options() {
    TagGeneratorOptions o;
    o.n_threads = 1;
    return o;
  }
  static TagRequest good() {
    TagRequest r;
    r.general = {"1girl, solo"};
    r.target = tags::Target::very_short;
    r.seed = 5;
    r.max_new_tokens = 32;
    return r;
  }
  static std::shared_ptr<const Model> model_;
};
std::shared_ptr<const Model> RequestChecks::model_;

// Runs `bad` on `g`; expects Error(invalid_argument) whose message contains `says`.
void expect_refused(TagGenerator& g, const TagRequest& bad, const std::string& says) {
  try {
    g.generate(bad);
    ADD_FAILURE() << "accepted a request that should say: " << says;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST_F(RequestChecks, EachBadRequestIsRefusedAndTheGeneratorStaysUsable) {
  TagGenerator fresh(model_, nullptr, options());
  const auto expected = fresh.generate(good()).variants[0].tags;

  TagGenerator g(model_, nullptr, options());
  std::vector<std::pair<TagRequest, std::string>> cases;
  auto add = [&](auto edit, const std::string& says) {
    TagRequest r = good();
    edit(r);
    cases.emplace_back(std::move(r), says);
  };
  add([](TagRequest& r) { r.prompt = std::string(6u << 20, 'a'); }, "over 65536 bytes (at prompt)");
  add([](TagRequest& r) { r.general = {std::string(40000, 'a'), std::string(40000, 'b')}; }, "(at general[1])");
  add([](TagRequest& r) { r.ban.assign(2000, "x"); }, "at most 1024 ban patterns");
  add([](TagRequest& r) { r.prompt = "ok, caf\xC3"; }, "prompt is not valid UTF-8 at byte 7");
  add([](TagRequest& r) { r.artist = {"a", "\xED\xA0\x80"}; }, "artist[1] is not valid UTF-8 at byte 0");  // a surrogate
  add([](TagRequest& r) { r.general = {"\xC0\xAF"}; }, "general[0] is not valid UTF-8 at byte 0");      // overlong
  add([](TagRequest& r) { r.format_template = "<|general|>\xF4\x90\x80\x80"; }, "format_template is not valid UTF-8 at byte 11");
  add([](TagRequest& r) { r.ban = {"[a-"}; }, "not a valid regular expression");
  add([](TagRequest& r) { r.ban = {"x*"}; }, "matches the empty text");
  add([](TagRequest& r) { r.sampling.temperature = -0.5f; }, "temperature");
  add([](TagRequest& r) { r.sampling.temperature = std::numeric_limits<float>::quiet_NaN(); }, "temperature");
  add([](TagRequest& r) { r.sampling.top_p = 1.5f; }, "top_p");
  add([](TagRequest& r) { r.sampling.min_p = -0.1f; }, "min_p");
  add([](TagRequest& r) { r.sampling.top_k = -1; }, "top_k");
  add([](TagRequest& r) { r.sampling.repeat_penalty = std::numeric_limits<float>::infinity(); }, "repeat_penalty");
  add([](TagRequest& r) { r.variants = 0; }, "variants");
  add([](TagRequest& r) { r.max_new_tokens = -3; }, "max_new_tokens");
  add([](TagRequest& r) { r.max_retries = -1; }, "max_retries");
  add([](TagRequest& r) { r.min_tags = -2; }, "min_tags");
  add([](TagRequest& r) { r.width = -1; }, "width");
  add([](TagRequest& r) { r.aspect_ratio = 0.0; }, "aspect_ratio");
  add([](TagRequest& r) { r.time_limit_seconds = -1.0; }, "time_limit_seconds");
  add([](TagRequest& r) { r.time_limit_seconds = 1e9; }, "time_limit_seconds");
  for (const auto& [bad, says] : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    expect_refused(g, bad, says);
    // Refused before tokenizing: even the 6 MB prompt costs no more than a scan (a loose
    // bound; tokenizing it took 28 s).
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0) << says;
    EXPECT_EQ(g.generate(good()).variants[0].tags, expected) << "after: " << says;
  }
}

TEST_F(RequestChecks, APromptTooLongForTheContextIsContextFullAndNothingBreaks) {
  TagGeneratorOptions o = options();
  o.n_ctx = 160;
  TagGenerator g(model_, nullptr, o);
  TagRequest r = good();
  r.general = {std::string(3000, 'x')};
  try {
    g.generate(r);
    ADD_FAILURE() << "a prompt over the context was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::context_full) << e.what();
  }
  TagRequest small = good();
  small.max_new_tokens = 4;
  EXPECT_NO_THROW(g.generate(small));
}

TEST_F(RequestChecks, ATimeLimitStopsTheRequestAndSaysSo) {
  TagGenerator g(model_, nullptr, options());
  TagRequest r = good();
  r.target = tags::Target::very_long;
  r.max_new_tokens = 512;
  r.max_retries = 1000;
  r.min_tags = 100000;  // never reached: only the limit ends it
  r.max_same_output = 1000;
  r.time_limit_seconds = 0.3;
  const TagResult res = g.generate(r);
  EXPECT_TRUE(res.cancelled);
  EXPECT_TRUE(res.timed_out);
  EXPECT_GE(res.total.seconds, 0.3);
  EXPECT_NE(json::dump(tag_result_to_json(res)).find("\"timed_out\":true"), std::string::npos);
  // No limit, or 0: none.
  TagRequest quick = good();
  quick.time_limit_seconds = 0.0;
  const TagResult ok = g.generate(quick);
  EXPECT_FALSE(ok.cancelled);
  EXPECT_FALSE(ok.timed_out);
}

TEST_F(RequestChecks, JsonRequestsRefuseDuplicateKeysAndBadTimeLimits) {
  EXPECT_THROW(tag_request_from_json(json::parse(R"({"temp": 1, "temperature": 2})")), Error);
  EXPECT_THROW(tag_request_from_json(json::parse(R"({"time-limit": -1})")), Error);
  EXPECT_THROW(tag_request_from_json(json::parse(R"({"time-limit": "soon"})")), Error);
  EXPECT_EQ(tag_request_from_json(json::parse(R"({"time_limit": 2.5})")).time_limit_seconds, 2.5);
  EXPECT_FALSE(tag_request_from_json(json::parse(R"({"time-limit": null})")).time_limit_seconds.has_value());
}

TEST(TokenizerChecks, TextOverTheLimitIsRefusedBeforeReadingAndIdsOutOfRangeToo) {
  auto model = testing::make_test_model(testing::tag_model_spec());
  auto tok = Tokenizer::from_gguf(model->file());
  const std::string big(2u << 20, 'a');
  try {
    tok->encode(big);
    ADD_FAILURE() << "2 MiB of text was encoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("at most 1048576"), std::string::npos) << e.what();
  }
  Tokenizer::EncodeOptions more;
  more.max_bytes = 4u << 20;
  EXPECT_NO_THROW(tok->encode(std::string(1000, 'a'), more));
  const int32_t ids[] = {1, tok->n_vocab()};
  EXPECT_THROW(tok->decode(ids), Error);
  const int32_t negative[] = {-1};
  EXPECT_THROW(tok->decode(negative), Error);
  EXPECT_THROW(tok->piece(tok->n_vocab()), Error);
}

}  // namespace
}  // namespace nanollama
