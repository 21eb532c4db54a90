// SPDX-License-Identifier: Apache-2.0
// Token sampling: a portable seeded RNG and a composable chain of logit transformations.
//
// Reproducibility: the RNG is xoshiro256** seeded through splitmix64, and every step breaks
// ties by token id, so a seed gives the same choices on every platform and standard library
// (std::uniform_*_distribution is deliberately not used: its output differs between them).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace nanollama {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);
  uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [0, n) without modulo bias; n must be > 0.
  uint64_t below(uint64_t n);
  // Fisher-Yates shuffle.
  template <class T>
  void shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  uint64_t s_[4];
};

// The transformations a chain can apply, in the order given by SamplerParams::order.
enum class SamplerStep { penalties, top_k, top_p, min_p, temperature };

struct SamplerParams {
  // Defaults are llama.cpp's, so a GGUF model samples here as it does there.
  float temperature = 0.8f;        // <= 0 picks the most likely token (greedy)
  int32_t top_k = 40;              // keep the k most likely; <= 0 keeps all
  float top_p = 0.95f;             // keep the smallest set with this much probability; >= 1 off
  float min_p = 0.05f;             // drop tokens below min_p x the top probability; <= 0 off
  float repeat_penalty = 1.0f;     // > 1 discourages tokens of the last penalty_last_n; 1 off
  float presence_penalty = 0.0f;   // subtracted once from every recent token's logit
  float frequency_penalty = 0.0f;  // subtracted per occurrence
  int32_t penalty_last_n = 64;     // how much history the penalties look at
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to a token's logit
  std::vector<int32_t> banned_tokens;                 // never sampled
  // llama.cpp's order: penalties, then truncation on the untempered distribution, then
  // temperature. Hugging Face's generate() applies temperature before top-k/top-p.
  std::vector<SamplerStep> order = {SamplerStep::penalties, SamplerStep::top_k, SamplerStep::top_p,
                                    SamplerStep::min_p, SamplerStep::temperature};
  uint64_t seed = 0;
};

// One candidate of a distribution (Sampler::distribution).
struct TokenProbability {
  int32_t id;
  float p;
};

// Thread contract: a Sampler holds an RNG and buffers; use one per thread.
class Sampler {
 public:
  Sampler(SamplerParams params, int32_t n_vocab);

  // Picks a token from `logits` (n_vocab values). `history` feeds the penalties (most
  // recent last). Throws Error(invalid_argument) if every token is banned.
  int32_t sample(std::span<const float> logits, std::span<const int32_t> history = {});
  // Like sample(), but tokens for which allow(id) is false are excluded as if banned.
  template <class Allow>
  int32_t sample_if(std::span<const float> logits, std::span<const int32_t> history, Allow&& allow) {
    return sample_impl(logits, history, [](void* ctx, int32_t id) { return (*static_cast<Allow*>(ctx))(id); }, &allow);
  }

  // The distribution sample() draws from: the candidates left after the chain (penalties,
  // truncation, temperature), best first, probabilities summing to 1; empty if every token
  // is banned. For a greedy sampler (temperature <= 0) it is the best kGreedyCandidates
  // with their untempered probabilities: a greedy draw takes the most probable one allowed.
  // The span lives until the next call on this sampler.
  std::span<const TokenProbability> distribution(std::span<const float> logits, std::span<const int32_t> history = {});
  static constexpr size_t kGreedyCandidates = 64;
  bool greedy() const noexcept { return params_.temperature <= 0.0f; }

  void reseed(uint64_t seed) { rng_.reseed(seed); }
  Rng& rng() noexcept { return rng_; }
  const SamplerParams& params() const noexcept { return params_; }

 private:
  struct Candidate {
    float logit;
    int32_t id;
  };
  using AllowFn = bool (*)(void* ctx, int32_t id);
  int32_t sample_impl(std::span<const float> logits, std::span<const int32_t> history, AllowFn allow, void* ctx);
  // Runs the chain; leaves the candidates in cand_ (and, unless greedy, their probabilities in
  // probs_). Returns false if no candidate is left.
  bool run_chain(std::span<const float> logits, std::span<const int32_t> history, AllowFn allow, void* ctx);
  void apply_penalties(std::span<const int32_t> history);
  void keep_top_k(size_t k);
  void sort_candidates();
  void softmax_candidates();

  SamplerParams params_;
  int32_t n_vocab_;
  Rng rng_;
  std::vector<Candidate> cand_;
  std::vector<Candidate> heap_;   // scratch of keep_top_k
  std::vector<float> probs_;
  std::vector<TokenProbability> dist_;
  std::vector<float> bias_;       // per token, from logit_bias
  std::vector<uint8_t> banned_;   // per token
  std::vector<int32_t> counts_;   // per token, scratch for the penalties
  bool sorted_ = false;
};

}  // namespace nanollama
