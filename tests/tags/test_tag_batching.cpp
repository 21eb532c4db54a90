// SPDX-License-Identifier: Apache-2.0
// Many requests at once (TagGenerator::generate_many): every result equals the same request
// run alone, bit for bit, whatever else shares its decode steps.
#include <algorithm>
#include <set>

#include "nanollama/tags.h"
#include "support/test_models.h"
#include "support/test_support.h"
#include "tags/step_plan.h"

namespace nanollama {
namespace {

std::shared_ptr<const Model> tag_model() {
  static const auto model = testing::make_test_model(testing::tag_model_spec());
  return model;
}

// Twelve requests that differ in every field a user sets.
std::vector<TagRequest> mixed_requests() {
  std::vector<TagRequest> out;
  const char* generals[] = {"1girl, solo", "2girls, multiple girls, smile", "1boy, male focus, sword", "cat, no humans"};
  for (int i = 0; i < 12; ++i) {
    TagRequest r;
    r.general = split_tags(generals[i % 4]);
    r.rating = {i % 3 ? "safe" : "sensitive"};
    r.target = i % 2 ? tags::Target::short_ : tags::Target::very_short;
    r.seed = 100 + static_cast<uint64_t>(i);
    r.max_new_tokens = 64;
    r.variants = 1 + i % 3;
    if (i % 4 == 1) r.ban = {"hair", "glob:*eyes"};
    if (i % 5 == 2) r.sampling.temperature = 1.3f;
    if (i % 6 == 3) r.width = 832, r.height = 1216;
    out.push_back(r);
  }
  return out;
}

TagGeneratorOptions options(int32_t threads = 2) {
  TagGeneratorOptions o;
  o.n_threads = threads;
  return o;
}

void expect_same(const TagResult& batched, const TagResult& alone, size_t index) {
  ASSERT_EQ(batched.variants.size(), alone.variants.size()) << "request " << index;
  for (size_t v = 0; v < alone.variants.size(); ++v) {
    EXPECT_EQ(batched.variants[v].tags, alone.variants[v].tags) << "request " << index << " variant " << v;
    EXPECT_EQ(batched.variants[v].formatted, alone.variants[v].formatted) << "request " << index << " variant " << v;
    EXPECT_EQ(batched.variants[v].seed, alone.variants[v].seed);
    EXPECT_EQ(batched.variants[v].stats.generated_tokens, alone.variants[v].stats.generated_tokens);
  }
}

TEST(TagBatching, EveryResultEqualsTheRequestAlone) {
  const auto requests = mixed_requests();
  TagGenerator many(tag_model(), nullptr, options());
  const auto outcomes = many.generate_many(requests, 4);
  const SessionStats batched_stats = many.session_stats();

  TagGenerator single(tag_model(), nullptr, options());
  ASSERT_EQ(outcomes.size(), requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(outcomes[i].ok) << outcomes[i].error;
    expect_same(outcomes[i].result, single.generate(requests[i]), i);
  }
  // The point of it: far fewer decode steps than one request after another.
  EXPECT_LT(batched_stats.decode_calls * 2, single.session_stats().decode_calls)
      << batched_stats.decode_calls << " vs " << single.session_stats().decode_calls;
}

TEST(TagBatching, OneThreadOrManyInFlightChangesNothing) {
  const auto requests = mixed_requests();
  TagGenerator a(tag_model(), nullptr, options(1));
  TagGenerator b(tag_model(), nullptr, options(2));
  const auto one_at_a_time = a.generate_many(requests, 1);
  const auto eight = b.generate_many(requests, 8);
  for (size_t i = 0; i < requests.size(); ++i) expect_same(eight[i].result, one_at_a_time[i].result, i);
}

TEST(TagBatching, ABadRequestIsReportedAndTheOthersRun) {
  auto requests = mixed_requests();
  requests.resize(5);
  requests[2].ban = {"(unclosed"};
  requests[3].variants = 0;
  TagGenerator g(tag_model(), nullptr, options());
  const auto outcomes = g.generate_many(requests, 3);
  EXPECT_FALSE(outcomes[2].ok);
  EXPECT_EQ(outcomes[2].error_code, ErrorCode::invalid_argument);
  EXPECT_NE(outcomes[2].error.find("(unclosed"), std::string::npos) << outcomes[2].error;
  EXPECT_FALSE(outcomes[3].ok);
  TagGenerator single(tag_model(), nullptr, options());
  for (size_t i : {size_t{0}, size_t{1}, size_t{4}}) {
    ASSERT_TRUE(outcomes[i].ok) << outcomes[i].error;
    expect_same(outcomes[i].result, single.generate(requests[i]), i);
  }
}

TEST(TagBatching, ResultsArriveAsRequestsEndAndTheSourceIsPulledOnDemand) {
  const auto requests = mixed_requests();
  TagGenerator g(tag_model(), nullptr, options());
  size_t pulled = 0, max_outstanding = 0;
  std::set<size_t> finished;
  const size_t taken = g.generate_many(
      [&]() -> std::optional<TagJob> {
        if (pulled == requests.size()) return std::nullopt;
        max_outstanding = std::max(max_outstanding, pulled - finished.size() + 1);
        return TagJob{requests[pulled++], {}};
      },
      [&](size_t index, TagResult* result, const Error* error) {
        EXPECT_TRUE(result != nullptr && error == nullptr);
        EXPECT_TRUE(finished.insert(index).second);
      },
      3);
  EXPECT_EQ(taken, requests.size());
  EXPECT_EQ(finished.size(), requests.size());
  EXPECT_LE(max_outstanding, 4u);  // three in flight, and the one waiting for room
}

TEST(TagBatching, CancelStopsEverythingAndTheGeneratorStaysUsable) {
  const auto requests = mixed_requests();
  TagGenerator g(tag_model(), nullptr, options());
  size_t results = 0;
  size_t pulled = 0;
  g.generate_many(
      [&]() -> std::optional<TagJob> {
        if (pulled == requests.size()) return std::nullopt;
        TagJob job{requests[pulled++], {}};
        // The first tag of the first request cancels everything.
        if (pulled == 1) job.on_tag = [&](int32_t, std::string_view) { g.cancel(); return true; };
        return job;
      },
      [&](size_t, TagResult* result, const Error* error) {
        if (result) {
          EXPECT_TRUE(result->cancelled);
          ++results;
        } else {
          EXPECT_EQ(error->code(), ErrorCode::cancelled);
        }
      },
      4);
  EXPECT_LT(pulled, requests.size());  // nothing new was taken after the cancel
  EXPECT_GE(results, 1u);
  TagGenerator single(tag_model(), nullptr, options());
  expect_same(g.generate(requests[5]), single.generate(requests[5]), 5);
}

std::vector<int32_t> range(int32_t from, int32_t to) {
  std::vector<int32_t> v;
  for (int32_t i = from; i <= to; ++i) v.push_back(i);
  return v;
}

TEST(StepPlanner, DecodeRowsFirstThenChunksWithinTheBudget) {
  const std::vector<int32_t> one = {7}, prompt = range(1, 40), other = {41, 42, 43};
  RequestRun* a = nullptr;
  StepPlanner planner;
  Batch batch;
  std::vector<StepPlanner::Delivery> out;
  // The decode row, then 19 prompt tokens (budget 20 - 1); nothing of the third input yet.
  planner.plan(std::vector<StepPlanner::Work>{{a, 0, prompt}, {a, 1, one}, {a, 2, other}}, 20, 20, batch, out);
  std::vector<int32_t> expected = {7};
  for (int32_t t : range(1, 19)) expected.push_back(t);
  EXPECT_EQ(batch.tokens, expected);
  EXPECT_EQ(batch.seq[0], 1);
  EXPECT_EQ(batch.seq[1], 0);
  EXPECT_EQ(std::count(batch.want_logits.begin(), batch.want_logits.end(), 1), 1);
  EXPECT_EQ(batch.want_logits[0], 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, 1);
  // Nothing decodes now: the prompt goes on where it stopped with an idle step's 20 tokens;
  // the third input waits again.
  planner.plan(std::vector<StepPlanner::Work>{{a, 0, prompt}, {a, 2, other}}, 4, 20, batch, out);
  EXPECT_EQ(batch.tokens, range(20, 39));
  EXPECT_TRUE(out.empty());
  // Its last token is a decode row now, with logits; then the third input, whole.
  planner.plan(std::vector<StepPlanner::Work>{{a, 0, prompt}, {a, 2, other}}, 20, 20, batch, out);
  EXPECT_EQ(batch.tokens, (std::vector<int32_t>{40, 41, 42, 43}));
  EXPECT_EQ(batch.want_logits, (std::vector<uint8_t>{1, 0, 0, 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].seq, 0);
  EXPECT_EQ(out[1].seq, 2);
}

TEST(StepPlanner, ALongInputProgressesEvenWhenDecodeRowsFillTheBudget) {
  const std::vector<int32_t> one = {7}, prompt = range(1, 40);
  RequestRun* a = nullptr;
  std::vector<StepPlanner::Work> works;
  for (int32_t s = 1; s <= 8; ++s) works.push_back({a, s, one});
  works.push_back({a, 0, prompt});
  StepPlanner planner;
  Batch batch;
  std::vector<StepPlanner::Delivery> out;
  planner.plan(works, 4, 64, batch, out);
  EXPECT_EQ(batch.tokens.size(), 8u + 8u);  // 8 decode rows, and a chunk of 8 beyond the target
  EXPECT_EQ(out.size(), 8u);
  // Room left by the decode rows is filled up to the target.
  planner.plan(std::vector<StepPlanner::Work>{{a, 1, one}, {a, 0, prompt}}, 16, 64, batch, out);
  EXPECT_EQ(batch.tokens.size(), 1u + 15u);
  // A forgotten sequence (its request ended) starts from the beginning when it is reused.
  planner.forget(0);
  planner.plan(std::vector<StepPlanner::Work>{{a, 0, prompt}}, 16, 100, batch, out);
  EXPECT_EQ(batch.tokens, prompt);
}

}  // namespace
}  // namespace nanollama
