// SPDX-License-Identifier: Apache-2.0
// The sampler chain. Candidates are kept as (logit, id) pairs; every ordering uses the
// total order "higher logit first, then lower id", so results never depend on how a
// standard library breaks ties.
#include "nanollama/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nanollama/error.h"

namespace nanollama {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

void Rng::reseed(uint64_t seed) {
  uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

uint64_t Rng::below(uint64_t n) {
  // Rejection of the top partial range keeps every value equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return x % n;
}

Sampler::Sampler(SamplerParams params, int32_t n_vocab)
    : params_(std::move(params)), n_vocab_(n_vocab), rng_(params_.seed) {
  if (n_vocab <= 0) throw Error(ErrorCode::invalid_argument, "sampler: vocabulary size must be positive");
  const bool finite = std::isfinite(params_.temperature) && std::isfinite(params_.top_p) &&
                      std::isfinite(params_.min_p) && std::isfinite(params_.repeat_penalty) &&
                      std::isfinite(params_.presence_penalty) && std::isfinite(params_.frequency_penalty);
  if (!finite || params_.repeat_penalty <= 0.0f) {
    throw Error(ErrorCode::invalid_argument, "sampler: parameters must be finite and repeat_penalty > 0");
  }
  bias_.assign(static_cast<size_t>(n_vocab), 0.0f);
  banned_.assign(static_cast<size_t>(n_vocab), 0);
  counts_.assign(static_cast<size_t>(n_vocab), 0);
  auto check = [&](int32_t id, const char* what) {
    if (id < 0 || id >= n_vocab) {
      throw Error(ErrorCode::invalid_argument, std::string("sampler: ") + what + " token id " + std::to_string(id) +
                                                   " is outside the vocabulary [0, " + std::to_string(n_vocab) + ")");
    }
  };
  for (const auto& [id, bias] : params_.logit_bias) {
    check(id, "logit_bias");
    bias_[static_cast<size_t>(id)] += bias;
  }
  for (int32_t id : params_.banned_tokens) {
    check(id, "banned");
    banned_[static_cast<size_t>(id)] = 1;
  }
  cand_.reserve(static_cast<size_t>(n_vocab));
  heap_.reserve(static_cast<size_t>(n_vocab));
  probs_.reserve(static_cast<size_t>(n_vocab));
  dist_.reserve(static_cast<size_t>(n_vocab));
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  return sample_impl(logits, history, nullptr, nullptr);
}

void Sampler::sort_candidates() {
  if (sorted_) return;
  std::sort(cand_.begin(), cand_.end(), [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  });
  sorted_ = true;
}

void Sampler::keep_top_k(size_t k) {
  if (k >= cand_.size()) return;
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  if (!sorted_) {
    // One pass with the k best so far in a heap whose top is the worst of them: nearly every
    // candidate of a 32k vocabulary is rejected by one comparison (nth_element over all of
    // them cost ~10x more, a few percent of a decode step per sequence).
    heap_.assign(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(k));
    std::make_heap(heap_.begin(), heap_.end(), better);
    for (size_t i = k; i < cand_.size(); ++i) {
      if (!better(cand_[i], heap_.front())) continue;
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = cand_[i];
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
    std::sort_heap(heap_.begin(), heap_.end(), better);
    cand_.swap(heap_);
    sorted_ = true;
  } else {
    cand_.resize(k);
  }
}

// probs_[i] = softmax of the (sorted) candidates' logits.
void Sampler::softmax_candidates() {
  sort_candidates();
  probs_.resize(cand_.size());
  const float max_logit = cand_.front().logit;
  double sum = 0.0;
  for (size_t i = 0; i < cand_.size(); ++i) {
    probs_[i] = std::exp(cand_[i].logit - max_logit);
    sum += static_cast<double>(probs_[i]);
  }
  for (float& p : probs_) p = static_cast<float>(static_cast<double>(p) / sum);
}

void Sampler::apply_penalties(std::span<const int32_t> history) {
  const bool active = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                      params_.frequency_penalty != 0.0f;
  if (!active || params_.penalty_last_n == 0 || history.empty()) return;
  const size_t n = params_.penalty_last_n < 0 ? history.size()
                                              : std::min(history.size(), static_cast<size_t>(params_.penalty_last_n));
  const auto recent = history.subspan(history.size() - n);
  for (int32_t id : recent) {
    if (id >= 0 && id < n_vocab_) ++counts_[static_cast<size_t>(id)];
  }
  // Candidates are still one per token here (penalties run on the full vocabulary).
  for (auto& c : cand_) {
    const int32_t count = counts_[static_cast<size_t>(c.id)];
    if (count == 0) continue;
    c.logit = c.logit > 0.0f ? c.logit / params_.repeat_penalty : c.logit * params_.repeat_penalty;
    c.logit -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
  for (int32_t id : recent) {
    if (id >= 0 && id < n_vocab_) counts_[static_cast<size_t>(id)] = 0;
  }
}

bool Sampler::run_chain(std::span<const float> logits, std::span<const int32_t> history, AllowFn allow, void* ctx) {
  if (logits.size() != static_cast<size_t>(n_vocab_)) {
    throw Error(ErrorCode::invalid_argument, "sampler: got " + std::to_string(logits.size()) + " logits for a vocabulary of " +
                                                 std::to_string(n_vocab_));
  }
  cand_.clear();
  sorted_ = false;
  for (int32_t id = 0; id < n_vocab_; ++id) {
    if (banned_[static_cast<size_t>(id)] || (allow != nullptr && !allow(ctx, id))) continue;
    const float logit = logits[static_cast<size_t>(id)] + bias_[static_cast<size_t>(id)];
    if (std::isnan(logit) || logit == -std::numeric_limits<float>::infinity()) continue;
    cand_.push_back({logit, id});
  }
  if (cand_.empty()) return false;

  for (SamplerStep step : params_.order) {
    switch (step) {
      case SamplerStep::penalties:
        apply_penalties(history);
        break;
      case SamplerStep::top_k:
        if (params_.top_k > 0 && !greedy()) keep_top_k(static_cast<size_t>(params_.top_k));
        break;
      case SamplerStep::top_p:
        if (params_.top_p < 1.0f && !greedy()) {
          softmax_candidates();
          double cumulative = 0.0;
          size_t keep = cand_.size();
          for (size_t i = 0; i < cand_.size(); ++i) {
            cumulative += static_cast<double>(probs_[i]);
            if (cumulative >= static_cast<double>(params_.top_p)) {
              keep = i + 1;
              break;
            }
          }
          cand_.resize(keep);
        }
        break;
      case SamplerStep::min_p:
        if (params_.min_p > 0.0f && !greedy()) {
          sort_candidates();
          // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p)
          const float floor = cand_.front().logit + std::log(params_.min_p);
          size_t keep = 1;
          while (keep < cand_.size() && cand_[keep].logit >= floor) ++keep;
          cand_.resize(keep);
        }
        break;
      case SamplerStep::temperature:
        if (!greedy()) {
          for (auto& c : cand_) c.logit /= params_.temperature;
        }
        break;
    }
  }

  if (!greedy()) softmax_candidates();
  return true;
}

int32_t Sampler::sample_impl(std::span<const float> logits, std::span<const int32_t> history, AllowFn allow, void* ctx) {
  if (!run_chain(logits, history, allow, ctx)) {
    throw Error(ErrorCode::invalid_argument, "sampler: every token is banned or has no probability");
  }
  if (greedy()) {
    const auto best = std::min_element(cand_.begin(), cand_.end(), [](const Candidate& a, const Candidate& b) {
      return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    });
    return best->id;
  }
  const double u = rng_.uniform();
  double cumulative = 0.0;
  for (size_t i = 0; i < cand_.size(); ++i) {
    cumulative += static_cast<double>(probs_[i]);
    if (u < cumulative) return cand_[i].id;
  }
  return cand_.back().id;  // rounding left the sum just under u
}

std::span<const TokenProbability> Sampler::distribution(std::span<const float> logits, std::span<const int32_t> history) {
  dist_.clear();
  if (!run_chain(logits, history, nullptr, nullptr)) return {};
  if (greedy()) {
    keep_top_k(kGreedyCandidates);
    softmax_candidates();
  }
  for (size_t i = 0; i < cand_.size(); ++i) dist_.push_back({cand_[i].id, probs_[i]});
  return dist_;
}

}  // namespace nanollama
