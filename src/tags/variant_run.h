// One variant of a tag request: its sampler and its sequence in the session, decoded token
// by token with tags recognised as they complete.
//
// A completed tag that is banned or already present is never kept: the sequence is rolled
// back to where the tag began, the logits saved at that point are restored, and the token
// that sealed the tag is forbidden on that exact path before sampling again. Unrelated tags
// that merely share a prefix stay possible.
//
// Between passes it applies KGen's retry rule: while input + new tags are short of the
// target, the new tags are shuffled and fed back after <|input_end|>.
#pragma once

#include <atomic>
#include <map>
#include <span>
#include <unordered_set>
#include <vector>

#include "nanollama/sampler.h"
#include "nanollama/session.h"
#include "nanollama/tags.h"
#include "tags/resolved_request.h"

namespace nanollama {

// What every variant of one request shares.
struct RequestContext {
  Session& session;
  const Tokenizer& tokenizer;
  const std::vector<std::string>& pieces;  // every token's text (Tokenizer::piece)
  const TagRequest& request;
  const ResolvedRequest& resolved;
  const std::vector<int32_t>& prompt_ids;   // the DTG prompt, ending in <|input_end|>
  const std::vector<float>& prompt_logits;  // the logits after it
  const tags::CategoryLists& categories;
  const TagCallback& on_tag;
  std::atomic<bool>& cancelled;
};

class VariantRun {
 public:
  VariantRun(RequestContext& ctx, int32_t index, int32_t seq, SamplerParams sampling);

  // Samples the first token from the prompt's logits (the prompt is in the sequence already).
  void start();
  bool done() const noexcept { return done_; }
  // Tokens to evaluate next, the last of which needs logits; empty once done.
  const std::vector<int32_t>& pending() const noexcept { return pending_; }
  int32_t seq() const noexcept { return seq_; }
  // The pending tokens were evaluated; `logits` follow the last of them.
  void on_decoded(std::span<const float> logits);
  // Stops where it is (the context is full, or the request was cancelled).
  void stop(bool context_full);

  TagVariant result() const;

 private:
  enum class Verdict { accepted, empty, rejected };

  void sample_until_pending(std::span<const float> logits);
  Verdict close_tag(const std::string& text, int32_t sealing_token);
  void remember_rejection(const std::string& text, int32_t last_token);
  void roll_back();
  void begin_pass(std::span<const float> logits);
  void end_pass();
  void refeed();
  bool allowed(int32_t token) const;

  RequestContext& ctx_;
  int32_t index_, seq_;
  uint64_t seed_;
  Sampler sampler_;
  std::vector<int32_t> pending_;
  bool done_ = false, context_full_ = false, reached_target_ = false;

  // The tags of the current pass (re-fed ones first) and every key seen so far.
  std::vector<std::string> pass_tags_;
  std::unordered_set<std::string> seen_keys_;

  // The open tag: where its tokens start, its text, its tokens, the logits before it.
  int32_t tag_start_ = 0;
  std::string tag_text_;
  std::vector<int32_t> tag_tokens_;
  std::vector<float> tag_start_logits_;
  bool save_tag_start_ = false;  // the next logits begin a new tag
  // Paths already rejected from this tag's start: token prefix -> tokens not to sample next.
  std::map<std::vector<int32_t>, std::vector<int32_t>> forbidden_;
  int32_t rejections_here_ = 0;

  int32_t pass_tokens_ = 0;    // tokens of this pass still in the sequence
  int32_t pass_sampled_ = 0;   // tokens sampled this pass, rejected ones included
  bool refeeding_ = false;     // pending_ holds re-fed tags
  std::string last_prompt_;    // the prompt of the latest pass, re-fed tags included

  // KGen's retry state.
  int32_t retries_left_;
  int32_t same_output_ = 0;
  std::vector<std::string> previous_output_;

  TagStats stats_;
};

}  // namespace nanollama
