// SPDX-License-Identifier: Apache-2.0
// The RNG against known answers, and each sampler step against its definition.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "nanollama/error.h"
#include "nanollama/sampler.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

TEST(Rng, MatchesAnIndependentXoshiro256StarStarSeededBySplitmix64) {
  // Expected values from a separate Python implementation of the published algorithms
  // (itself checked against their known answers: splitmix64 from 0 gives
  // 0xe220a8397b1dcdaf; xoshiro256** from {1,2,3,4} gives 11520, 0, 1509978240, ...).
  Rng zero(0);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452aull);
  EXPECT_EQ(zero.next(), 0x1a5f849d4933e6e0ull);
  Rng answer(42);
  EXPECT_EQ(answer.next(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(answer.next(), 0x6104d9866d113a7eull);
  EXPECT_EQ(answer.next(), 0xae17533239e499a1ull);
}

TEST(Rng, UniformAndBelowStayInRangeAndSpread) {
  Rng rng(7);
  std::vector<int> buckets(10, 0);
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const uint64_t b = rng.below(10);
    ASSERT_LT(b, 10u);
    ++buckets[b];
  }
  for (int count : buckets) EXPECT_NEAR(count, 10000, 500);  // > 5 standard deviations
  std::vector<int> items = {1, 2, 3, 4, 5, 6, 7, 8};
  rng.shuffle(std::span<int>(items));
  std::vector<int> sorted = items;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
}

SamplerParams plain(float temperature) {
  SamplerParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

std::map<int32_t, int> histogram(Sampler& s, const std::vector<float>& logits, int n) {
  std::map<int32_t, int> h;
  for (int i = 0; i < n; ++i) ++h[s.sample(logits)];
  return h;
}

TEST(Sampler, GreedyPicksTheMaximumAndBreaksTiesByLowestId) {
  Sampler s(plain(0.0f), 5);
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 2.0f, -1.0f, 2.0f, 1.9f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{5.0f, 2.0f, -1.0f, 2.0f, 1.9f}), 0);
}

TEST(Sampler, TemperatureOneFollowsTheSoftmax) {
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  Sampler s(plain(1.0f), 3);
  const auto h = histogram(s, logits, 30000);
  EXPECT_NEAR(h.at(0), 15000, 450);  // ~5 standard deviations
  EXPECT_NEAR(h.at(1), 9000, 400);
  EXPECT_NEAR(h.at(2), 6000, 350);
}

TEST(Sampler, LowTemperatureSharpensHighFlattens) {
  const std::vector<float> logits = {1.0f, 0.0f};
  Sampler cold(plain(0.25f), 2), hot(plain(4.0f), 2);
  const auto c = histogram(cold, logits, 20000);
  const auto h = histogram(hot, logits, 20000);
  // p(0) = 1 / (1 + e^(-1/T)): 0.982 at T=0.25, 0.562 at T=4.
  EXPECT_NEAR(c.at(0) / 20000.0, 0.982, 0.01);
  EXPECT_NEAR(h.at(0) / 20000.0, 0.562, 0.02);
}

TEST(Sampler, TopKKeepsOnlyTheKBest) {
  SamplerParams p = plain(1.0f);
  p.top_k = 2;
  Sampler s(p, 5);
  const auto h = histogram(s, {0.0f, 3.0f, 0.0f, 2.9f, 0.0f}, 5000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.count(1) && h.count(3));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: p = 0.75 needs the first two.
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  SamplerParams p = plain(1.0f);
  p.top_p = 0.75f;
  Sampler s(p, 4);
  const auto h = histogram(s, logits, 5000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_NEAR(h.at(0) / 5000.0, 0.5 / 0.8, 0.03);  // renormalised over the kept set
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
  const std::vector<float> logits = {std::log(0.6f), std::log(0.25f), std::log(0.1f), std::log(0.05f)};
  SamplerParams p = plain(1.0f);
  p.min_p = 0.2f;  // keeps p >= 0.12
  Sampler s(p, 4);
  const auto h = histogram(s, logits, 5000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_FALSE(h.count(2));
}

TEST(Sampler, OrderDecidesWhetherTemperatureSeesTruncation) {
  // With top-p after temperature (Hugging Face's order), a hot temperature flattens the
  // distribution so top-p keeps more tokens than in llama.cpp's order.
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f, -1.0f};
  SamplerParams llama = plain(3.0f);
  llama.top_p = 0.7f;
  SamplerParams hf = llama;
  hf.order = {SamplerStep::temperature, SamplerStep::top_p};
  Sampler a(llama, 4), b(hf, 4);
  EXPECT_EQ(histogram(a, logits, 3000).size(), 2u);  // p = .64 .24 .09 .03 untempered
  EXPECT_GE(histogram(b, logits, 3000).size(), 3u);
}

TEST(Sampler, BannedTokensAndBiasesAndFilters) {
  SamplerParams p = plain(0.0f);
  p.banned_tokens = {1};
  p.logit_bias = {{2, 10.0f}};
  Sampler s(p, 4);
  EXPECT_EQ(s.sample(std::vector<float>{0.0f, 100.0f, -5.0f, 1.0f}), 2);
  EXPECT_EQ(s.sample_if(std::vector<float>{0.0f, 100.0f, -5.0f, 1.0f}, {}, [](int32_t id) { return id != 2; }), 3);
  SamplerParams all = plain(1.0f);
  all.banned_tokens = {0, 1};
  Sampler none(all, 2);
  EXPECT_THROW(none.sample(std::vector<float>{1.0f, 2.0f}), Error);
}

TEST(Sampler, PenaltiesFollowTheirDefinition) {
  SamplerParams p = plain(0.0f);
  p.repeat_penalty = 2.0f;
  Sampler s(p, 3);
  // Token 0 (logit 3, seen) becomes 1.5 < token 1's 2: greedy moves to 1.
  EXPECT_EQ(s.sample(std::vector<float>{3.0f, 2.0f, 0.0f}, std::vector<int32_t>{0}), 1);
  // A negative logit is multiplied: -1 -> -2, below token 2's -1.5.
  EXPECT_EQ(s.sample(std::vector<float>{-1.0f, -3.0f, -1.5f}, std::vector<int32_t>{0}), 2);

  SamplerParams f = plain(0.0f);
  f.frequency_penalty = 1.0f;
  f.presence_penalty = 0.5f;
  Sampler fs(f, 3);
  // Token 0 seen twice: 3 - 2*1 - 0.5 = 0.5 < token 1's 1.
  EXPECT_EQ(fs.sample(std::vector<float>{3.0f, 1.0f, 0.0f}, std::vector<int32_t>{0, 2, 0}), 1);
  // Only the last penalty_last_n tokens count.
  f.penalty_last_n = 1;
  Sampler recent(f, 3);
  EXPECT_EQ(recent.sample(std::vector<float>{3.0f, 1.0f, 0.0f}, std::vector<int32_t>{0, 2}), 0);
}

TEST(Sampler, SameSeedSameChoicesDifferentSeedDifferent) {
  std::vector<float> logits(1000);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(std::sin(static_cast<double>(i)));
  auto run = [&](uint64_t seed) {
    SamplerParams p;
    p.seed = seed;
    p.top_k = 0;
    p.min_p = 0.0f;
    p.temperature = 1.5f;
    Sampler s(p, 1000);
    std::vector<int32_t> picks;
    for (int i = 0; i < 50; ++i) picks.push_back(s.sample(logits));
    return picks;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(Sampler, RejectsBadParameters) {
  EXPECT_THROW(Sampler(plain(1.0f), 0), Error);
  SamplerParams p = plain(1.0f);
  p.banned_tokens = {7};
  EXPECT_THROW(Sampler(p, 5), Error);
  SamplerParams q = plain(NAN);
  EXPECT_THROW(Sampler(q, 5), Error);
  Sampler s(plain(1.0f), 5);
  EXPECT_THROW(s.sample(std::vector<float>{1.0f}), Error);  // wrong logits length
}

}  // namespace
}  // namespace nanollama
