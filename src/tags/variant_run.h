// SPDX-License-Identifier: Apache-2.0
// One variant of a tag request: its sampler and its sequence in the session, decoded token
// by token with tags recognised as they complete.
//
// Each tag is drawn from the model's distribution conditioned on the tag being allowed (not
// banned, not a duplicate, clean text): the paths explored from the tag's start form a
// PathTrie, a rejected tag's probability is taken out of every node on its path, and the tag
// is drawn again from its start without the rejected completions (docs/TAGS.md, "How bans
// and duplicates are enforced"). Rejected tokens stay in the KV cache until a new draw leaves
// their path, so walking the same prefix again evaluates nothing.
//
// Between passes it applies KGen's retry rule: while input + new tags are short of the
// target, the new tags are shuffled and fed back after <|input_end|>.
#pragma once

#include <atomic>
#include <span>
#include <unordered_set>
#include <vector>

#include "nanollama/sampler.h"
#include "nanollama/session.h"
#include "nanollama/tags.h"
#include "tags/path_trie.h"
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
  // What the logits of the pending tokens are for.
  enum class Awaiting { refeed, tag_root, child };

  void begin_pass(std::span<const float> logits);
  void start_tag(std::span<const float> logits);
  int32_t add_node(std::span<const float> logits, const PathTrie::Step* parent);
  void advance();
  void seal(const std::string& text, int32_t token);
  void reject_path(bool is_tag);
  void queue_path(bool with_token, int32_t token);
  Verdict close_tag(const std::string& text);
  void end_pass();
  void refeed();

  RequestContext& ctx_;
  int32_t index_, seq_;
  uint64_t seed_;
  Sampler sampler_;
  std::vector<int32_t> pending_;
  Awaiting awaiting_ = Awaiting::tag_root;
  bool done_ = false, context_full_ = false, reached_target_ = false;

  // The tags of the current pass (re-fed ones first) and every key seen so far.
  std::vector<std::string> pass_tags_;
  std::unordered_set<std::string> seen_keys_;

  // The open tag: the sequence position of its first token, the paths explored from there,
  // the current path (steps, tokens, text) and the node drawn from next.
  int32_t tag_start_ = 0;
  PathTrie trie_;
  std::vector<PathTrie::Step> path_;
  std::vector<int32_t> path_tokens_;
  std::string tag_text_;
  int32_t node_ = 0;
  int32_t rejections_here_ = 0;

  int32_t pass_tokens_ = 0;  // tokens of this pass's finished tags (sealing tokens included)
  int32_t pass_draws_ = 0;   // tokens drawn this pass, rejected ones included
  std::string last_prompt_;  // the prompt of the latest pass, re-fed tags included

  // KGen's retry state.
  int32_t retries_left_;
  int32_t same_output_ = 0;
  std::vector<std::string> previous_output_;

  TagStats stats_;
};

}  // namespace nanollama
