// SPDX-License-Identifier: Apache-2.0
// Bans and dedupe draw each tag from the model's own distribution conditioned on the tag
// being allowed: P'(t) = P(t) / (1 - P(rejected)).
//
// The model is built by hand so that the tag probabilities are known in closed form: every
// layer's output projections are zero, so the residual stream is the token's embedding, and
// the embeddings are one-hot "states". The logits are then output[token] . norm(one-hot): a
// bigram model whose transition logits are chosen below. The expected frequencies come from
// those chosen logits and an independent softmax with the sampler's truncation rules; the
// observed ones from TagGenerator over thousands of fixed seeds; a chi-square test compares
// them at significance 0.001 (critical values from the chi-square table), so the test is
// deterministic and would fail if rejected tags' probability flowed anywhere else.
#include <algorithm>
#include <cmath>
#include <map>

#include "model/synthetic_vocab.h"
#include "nanollama/gguf.h"
#include "nanollama/tags.h"
#include "support/test_support.h"
#include "tags/tag_text.h"
#include "support/test_models.h"

namespace nanollama {
namespace {

constexpr int32_t kVocab = 1200, kEmbd = 64;
constexpr float kEps = 1e-5f;
constexpr double kUnlikely = -60.0;  // every transition not listed: probability ~1e-26

// Transitions: from a context token, the logits of the tokens that may follow. "" is
// end-of-text. Tags: long, long hair, long sleeves, blue, blue eyes, smile, hat.
using Transitions = std::map<std::string, std::map<std::string, float>>;
const Transitions& transitions() {
  static const Transitions t = {
      {"<|input_end|>", {{"\u2581long", 2.0f}, {"\u2581blue", 1.0f}, {"\u2581smile", 0.5f}, {"\u2581hat", 1.5f}, {"", -1.0f}}},
      {",", {{"\u2581long", 0.5f}, {"\u2581blue", 0.5f}, {"\u2581smile", 0.5f}, {"\u2581hat", 0.5f}, {"", 2.0f}}},
      {"\u2581long", {{",", 1.0f}, {"\u2581hair", 1.5f}, {"\u2581sleeves", 0.0f}}},
      {"\u2581hair", {{",", 2.0f}, {"", 0.0f}}},
      {"\u2581sleeves", {{",", 2.0f}}},
      {"\u2581blue", {{"\u2581eyes", 1.0f}, {",", 0.0f}}},
      {"\u2581eyes", {{",", 1.0f}}},
      {"\u2581smile", {{",", 1.0f}, {"", 0.5f}}},  // two ways to finish the same tag
      {"\u2581hat", {{",", 1.0f}}},
  };
  return t;
}

// The tags a first draw from <|input_end|> can give, as token paths ending in "," or "".
const std::map<std::string, std::vector<std::vector<std::string>>>& tag_paths() {
  static const std::map<std::string, std::vector<std::vector<std::string>>> p = {
      {"long", {{"\u2581long", ","}}},
      {"long hair", {{"\u2581long", "\u2581hair", ","}, {"\u2581long", "\u2581hair", ""}}},
      {"long sleeves", {{"\u2581long", "\u2581sleeves", ","}}},
      {"blue", {{"\u2581blue", ","}}},
      {"blue eyes", {{"\u2581blue", "\u2581eyes", ","}}},
      {"smile", {{"\u2581smile", ","}, {"\u2581smile", ""}}},
      {"hat", {{"\u2581hat", ","}}},
      {"(none)", {{""}}},  // end-of-text at once: no new tag
  };
  return p;
}

// Writes the bigram model: state 0 for every unlisted token, one state per listed context.
std::shared_ptr<const Model> build_bigram_model(const std::string& path) {
  const SyntheticVocabulary vocab = make_synthetic_vocabulary(kVocab);
  auto id_of = [&](const std::string& text) {
    if (text.empty()) return int32_t{2};  // </s>
    const auto it = std::find(vocab.tokens.begin(), vocab.tokens.end(), text);
    EXPECT_NE(it, vocab.tokens.end()) << text;
    return static_cast<int32_t>(it - vocab.tokens.begin());
  };
  std::vector<float> embd(static_cast<size_t>(kVocab) * kEmbd, 0.0f);
  std::vector<float> output(static_cast<size_t>(kVocab) * kEmbd, 0.0f);
  // RMSNorm turns a one-hot row into gain / sqrt(1/n + eps) in that dimension.
  const double h = 1.0 / std::sqrt(1.0 / kEmbd + static_cast<double>(kEps));
  for (int32_t v = 0; v < kVocab; ++v) embd[static_cast<size_t>(v) * kEmbd] = 1.0f;  // state 0
  for (int32_t v = 0; v < kVocab; ++v) output[static_cast<size_t>(v) * kEmbd] = static_cast<float>(kUnlikely / h);
  output[2 * kEmbd] = 0.0f;  // from unlisted contexts: end-of-text
  int32_t state = 1;
  for (const auto& [context, next] : transitions()) {
    const int32_t c = id_of(context);
    embd[static_cast<size_t>(c) * kEmbd] = 0.0f;
    embd[static_cast<size_t>(c) * kEmbd + static_cast<size_t>(state)] = 1.0f;
    for (int32_t v = 0; v < kVocab; ++v) {
      output[static_cast<size_t>(v) * kEmbd + static_cast<size_t>(state)] = static_cast<float>(kUnlikely / h);
    }
    for (const auto& [token, logit] : next) {
      output[static_cast<size_t>(id_of(token)) * kEmbd + static_cast<size_t>(state)] = static_cast<float>(static_cast<double>(logit) / h);
    }
    ++state;
  }

  gguf::GgufWriter w;
  add_synthetic_vocabulary(w, kVocab);
  w.set("general.architecture", "llama");
  w.set("general.name", "bigram-tags");
  w.set("llama.context_length", uint32_t{256});
  w.set("llama.embedding_length", uint32_t{kEmbd});
  w.set("llama.block_count", uint32_t{1});
  w.set("llama.feed_forward_length", uint32_t{kEmbd});
  w.set("llama.attention.head_count", uint32_t{2});
  w.set("llama.attention.head_count_kv", uint32_t{2});
  w.set("llama.attention.layer_norm_rms_epsilon", kEps);
  w.set("llama.rope.dimension_count", uint32_t{kEmbd / 2});
  auto bytes = [](const std::vector<float>& v) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float));
  };
  const uint64_t E = kEmbd, V = kVocab;
  const std::vector<float> ones(kEmbd, 1.0f), zeros(kEmbd * kEmbd, 0.0f);
  w.add_tensor("token_embd.weight", TensorType::F32, {E, V}, bytes(embd));
  for (const char* name : {"attn_norm", "ffn_norm"}) w.add_tensor(std::string("blk.0.") + name + ".weight", TensorType::F32, {E}, bytes(ones));
  for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"}) {
    w.add_tensor(std::string("blk.0.") + name + ".weight", TensorType::F32, {E, E}, bytes(zeros));
  }
  w.add_tensor("output_norm.weight", TensorType::F32, {E}, bytes(ones));
  w.add_tensor("output.weight", TensorType::F32, {E, V}, bytes(output));
  w.write(path);
  return Model::load(path);
}

// The sampler's distribution over the listed followers of `context`, computed here from the
// chosen logits: llama.cpp's order (top-k, then top-p on the untempered softmax, then
// temperature). Unlisted tokens (probability ~1e-26 before truncation) are left out.
std::map<std::string, double> step_distribution(const std::string& context, const TagSampling& s) {
  std::vector<std::pair<float, std::string>> c;
  for (const auto& [token, logit] : transitions().at(context)) c.emplace_back(logit, token);
  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (s.top_k > 0 && static_cast<size_t>(s.top_k) < c.size()) c.resize(static_cast<size_t>(s.top_k));
  if (s.top_p < 1.0f) {
    double z = 0.0, cumulative = 0.0;
    for (const auto& [l, t] : c) z += std::exp(static_cast<double>(l));
    size_t keep = c.size();
    for (size_t i = 0; i < c.size(); ++i) {
      cumulative += std::exp(static_cast<double>(c[i].first)) / z;
      if (cumulative >= static_cast<double>(s.top_p)) {
        keep = i + 1;
        break;
      }
    }
    c.resize(keep);
  }
  double z = 0.0;
  for (const auto& [l, t] : c) z += std::exp(static_cast<double>(l) / static_cast<double>(s.temperature));
  std::map<std::string, double> p;
  for (const auto& [l, t] : c) p[t] = std::exp(static_cast<double>(l) / static_cast<double>(s.temperature)) / z;
  return p;
}

// P(first new tag = t) for every t, by enumerating its token paths.
std::map<std::string, double> first_tag_probabilities(const TagSampling& s) {
  std::map<std::string, double> out;
  for (const auto& [tag, paths] : tag_paths()) {
    double total = 0.0;
    for (const auto& path : paths) {
      double p = 1.0;
      std::string context = "<|input_end|>";
      for (const auto& token : path) {
        const auto d = step_distribution(context, s);
        p *= d.count(token) ? d.at(token) : 0.0;
        context = token;
      }
      total += p;
    }
    out[tag] = total;
  }
  return out;
}

// Chi-square critical values at significance 0.001 for 1..10 degrees of freedom.
constexpr double kChiSquare001[] = {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588};

class TagSamplingExact : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model_ = build_bigram_model(dir_->file("bigram.gguf").string());
  }
  static void TearDownTestSuite() {
    model_.reset();
    delete dir_;
  }

  static TagRequest base_request() {
    TagRequest r;
    r.rating = {"safe"};
    r.min_tags = 0;  // one pass: the first tag is what is measured
    r.max_retries = 0;
    r.max_new_tokens = 12;
    r.sampling.temperature = 1.0f;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    r.sampling.min_p = 0.0f;
    return r;
  }

  // Draws the first new tag for seeds 1..n and compares its frequencies with the expected
  // distribution conditioned on `rejected` not being drawn.
  static void expect_conditioned(TagRequest request, const std::vector<std::string>& rejected, int n) {
    TagGeneratorOptions o;
    o.n_threads = 1;
    TagGenerator g(model_, nullptr, o);
    std::map<std::string, int> observed;
    for (int seed = 1; seed <= n; ++seed) {
      request.seed = static_cast<uint64_t>(seed);
      const TagResult r = g.generate(request);
      const auto& tags = r.variants[0].tags;
      ++observed[tags.empty() ? "(none)" : tags[0]];
    }
    std::map<std::string, double> expected = first_tag_probabilities(request.sampling);
    double rejected_mass = 0.0;
    for (const auto& t : rejected) rejected_mass += expected[t];
    for (const auto& t : rejected) {
      EXPECT_EQ(observed.count(t), 0u) << "rejected tag " << t << " was drawn";
      expected.erase(t);
    }
    double chi2 = 0.0;
    int categories = 0;
    std::string table;
    for (const auto& [tag, p] : expected) {
      const double e = n * p / (1.0 - rejected_mass);
      const int o_count = observed.count(tag) ? observed.at(tag) : 0;
      table += "  " + tag + ": expected " + std::to_string(e) + ", observed " + std::to_string(o_count) + "\n";
      if (e < 5.0) {
        EXPECT_LE(o_count, 20) << tag;  // too rare for the chi-square sum, but must stay rare
        continue;
      }
      chi2 += (o_count - e) * (o_count - e) / e;
      ++categories;
    }
    for (const auto& [tag, count] : observed) {
      if (!expected.count(tag)) ADD_FAILURE() << "unexpected first tag '" << tag << "' x" << count;
    }
    ASSERT_GE(categories, 2);
    EXPECT_LT(chi2, kChiSquare001[categories - 2]) << "chi-square " << chi2 << " over " << categories
                                                    << " categories\n" << table;
  }

  static testing::TempDir* dir_;
  static std::shared_ptr<const Model> model_;
};

testing::TempDir* TagSamplingExact::dir_ = nullptr;
std::shared_ptr<const Model> TagSamplingExact::model_;

TEST_F(TagSamplingExact, WithoutBansTheFirstTagFollowsTheModel) {
  expect_conditioned(base_request(), {}, 3000);
}

TEST_F(TagSamplingExact, ABannedTagsMassIsSpreadOverTheOthersInProportion) {
  // "long" is a prefix of two other tags: its probability must not flow into them.
  TagRequest r = base_request();
  r.ban = {"^long$"};
  expect_conditioned(r, {"long"}, 4000);
}

TEST_F(TagSamplingExact, APatternThatBansAWholeSubtreeCutsItAtItsFirstToken) {
  // "long" (Python's re.match) bans long, long hair and long sleeves: generation drops the
  // subtree as soon as it reads "long", without evaluating it, and still draws exactly.
  TagRequest r = base_request();
  r.ban = {"long", "^blue$"};
  expect_conditioned(r, {"long", "long hair", "long sleeves", "blue"}, 4000);
}

TEST_F(TagSamplingExact, ASubtreeBannedFromItsFirstTokenCostsNoEvaluation) {
  TagRequest r = base_request();
  r.ban = {"long"};
  TagGenerator g(model_);
  int64_t rejected = 0, rolled_back = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    r.seed = seed;
    // Stop at the first tag, so that only its rejections count (later ones include duplicates).
    const TagStats s = g.generate(r, [](int32_t, std::string_view) { return false; }).variants[0].stats;
    rejected += s.rejected_tags;
    rolled_back += s.rolled_back_tokens;
  }
  EXPECT_GT(rejected, 50);       // "long" is drawn first about 45 % of the time
  EXPECT_EQ(rolled_back, 0);     // and never evaluated
}

TEST_F(TagSamplingExact, AnInputTagTheModelFavoursIsNotRepeatedAndNothingElseShifts) {
  TagRequest r = base_request();
  r.general = {"long hair"};  // already in the prompt: a duplicate if generated
  expect_conditioned(r, {"long hair"}, 4000);
}

TEST_F(TagSamplingExact, SeveralRejectionsWithTruncationAndTemperature) {
  // The weights are those after truncation and temperature, the same at every visit.
  TagRequest r = base_request();
  r.ban = {"^long$", "^hat$"};
  r.sampling.temperature = 1.4f;
  r.sampling.top_k = 4;    // at <|input_end|>: long, hat, blue, smile (end-of-text cut)
  r.sampling.top_p = 0.9f;
  expect_conditioned(r, {"long", "hat"}, 4000);
}

// Greedy decoding of the conditioned distribution: each step takes the token of most
// probability still allowed below it.
TEST_F(TagSamplingExact, GreedyTakesTheMostLikelyAllowedPath) {
  TagRequest r = base_request();
  r.sampling.temperature = 0.0f;
  TagGenerator g(model_);
  EXPECT_EQ(g.generate(r).variants[0].tags.at(0), "long hair");  // 2.0 then 1.5
  // Without "long hair", "long" keeps 0.45 x 0.45 = 0.20 of the first step: "hat" (0.27) leads.
  r.ban = {"^long hair$"};
  EXPECT_EQ(g.generate(r).variants[0].tags.at(0), "hat");
  // Without "hat" too, "long" (0.20) beats "blue" (0.16); then "," (1.0) beats "sleeves" (0.0).
  r.ban = {"^long hair$", "^hat$"};
  EXPECT_EQ(g.generate(r).variants[0].tags.at(0), "long");
}

// On a random model with byte tokens, the rejected paths once left the sampler with noise;
// no tag may contain control characters or invalid UTF-8, bans or not.
TEST(TagSamplingClean, RandomModelTagsAreCleanText) {
  const auto model = testing::make_test_model(testing::tag_model_spec());
  TagGenerator g(model);
  int checked = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    TagRequest r;
    r.general = {"1girl", "solo", "long hair"};
    r.target = seed % 2 ? tags::Target::long_ : tags::Target::short_;
    r.max_new_tokens = 96;
    r.seed = seed;
    // Hot and untruncated, so that byte tokens are drawn now and then.
    r.sampling.temperature = 1.5f;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    if (seed % 3 == 0) r.ban = {"hair", "blue*"};
    const TagResult result = g.generate(r);
    for (const auto& tag : result.variants[0].tags) {
      EXPECT_EQ(tag_text_state(tag), TagTextState::clean) << "seed " << seed << ": " << ::testing::PrintToString(tag);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(TagText, ControlCharactersAndInvalidUtf8AreUnclean) {
  EXPECT_EQ(tag_text_state("long hair"), TagTextState::clean);
  EXPECT_EQ(tag_text_state("\xE2\x98\x85 star"), TagTextState::clean);  // U+2605
  EXPECT_EQ(tag_text_state("caf\xC3"), TagTextState::unfinished);
  EXPECT_EQ(tag_text_state("\xE2\x98"), TagTextState::unfinished);
  for (const char* bad : {"a\nb", "a\tb", "\x15", "x\x7F", "\xC2\x85", "\x80", "\xC3(", "\xE2\x28\xA1", "\xF5\x80\x80\x80",
                          "\xC0\xAF", "\xED\xA0\x80"}) {
    EXPECT_EQ(tag_text_state(bad), TagTextState::unclean) << ::testing::PrintToString(std::string(bad));
  }
}

}  // namespace
}  // namespace nanollama
