// SPDX-License-Identifier: Apache-2.0
#include "tags/variant_run.h"

#include <algorithm>

#include "tags/tag_text.h"

namespace nanollama {
namespace {

// Each rejection takes a distinct completion out of the tag's distribution, so the count at
// one position is bounded by the rejected completions the model proposes. This cap only
// bounds the time a pattern that bans nearly everything can take; the pass then ends there.
constexpr int32_t kMaxRejectionsPerTag = 64;

std::string trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

}  // namespace

VariantRun::VariantRun(RequestContext& ctx, int32_t index, int32_t seq, SamplerParams sampling)
    : ctx_(ctx),
      index_(index),
      seq_(seq),
      seed_(sampling.seed),
      sampler_(std::move(sampling), ctx.tokenizer.n_vocab()),
      retries_left_(ctx.request.max_retries) {}

void VariantRun::start() {
  pending_.clear();
  begin_pass(ctx_.prompt_logits);
  advance();
}

void VariantRun::on_decoded(std::span<const float> logits) {
  pending_.clear();
  switch (awaiting_) {
    case Awaiting::refeed:
      begin_pass(logits);
      break;
    case Awaiting::tag_root:
      tag_start_ = ctx_.session.n_past(seq_);
      start_tag(logits);
      break;
    case Awaiting::child:
      node_ = add_node(logits, &path_.back());
      break;
  }
  advance();
}

void VariantRun::stop(bool context_full) {
  context_full_ = context_full_ || context_full;
  done_ = true;
  pending_.clear();
}

void VariantRun::begin_pass(std::span<const float> logits) {
  tag_start_ = ctx_.session.n_past(seq_);
  pass_tokens_ = 0;
  pass_draws_ = 0;
  ++stats_.passes;
  start_tag(logits);
}

void VariantRun::start_tag(std::span<const float> logits) {
  trie_.clear();
  path_.clear();
  path_tokens_.clear();
  tag_text_.clear();
  rejections_here_ = 0;
  node_ = add_node(logits, nullptr);
}

// The sampler's distribution at the current end of the path (the sequence holds exactly the
// path there, so the penalties see the right history).
int32_t VariantRun::add_node(std::span<const float> logits, const PathTrie::Step* parent) {
  return trie_.add_node(sampler_.distribution(logits, ctx_.session.tokens(seq_)), parent);
}

// Draws tokens down the trie until the model has to evaluate something (pending_), or the
// run ends. Steps already explored need no evaluation: their distributions are in the trie.
void VariantRun::advance() {
  const int32_t eos = ctx_.tokenizer.eos_id();
  const int32_t max_tokens = ctx_.request.max_new_tokens;
  while (!done_ && pending_.empty()) {
    if (ctx_.cancelled.load(std::memory_order_relaxed)) {
      stop(false);
      return;
    }
    if (pass_draws_ >= 4 * max_tokens || rejections_here_ >= kMaxRejectionsPerTag) {
      end_pass();  // without the open tag
      continue;
    }
    const int32_t slot = trie_.draw(node_, sampler_.rng().uniform(), sampler_.greedy());
    if (slot < 0) {
      // Nothing is left to draw here. At the tag's start every completion was rejected: the
      // pass ends as if the model had stopped. Deeper, this path is a dead end.
      if (path_.empty()) {
        end_pass();
      } else {
        reject_path(false);
      }
      continue;
    }
    ++pass_draws_;
    const int32_t token = trie_.token(node_, slot);
    path_.push_back({node_, slot});
    if (token == eos) {
      seal(tag_text_, token);
      continue;
    }
    const std::string& piece = ctx_.pieces[static_cast<size_t>(token)];
    const size_t comma = piece.find(',');
    if (comma != std::string::npos) {
      // The sampler never offers a token with text after its comma, so a new tag always
      // begins at a token boundary, right after this one.
      seal(tag_text_ + piece.substr(0, comma), token);
      continue;
    }
    tag_text_ += piece;
    // Whatever follows, this tag would not be clean text, or it would be banned: its whole
    // subtree goes at once, before its tokens are evaluated.
    const TagTextState state = tag_text_state(tag_text_);
    if (state == TagTextState::unclean ||
        (state == TagTextState::clean && ctx_.resolved.bans.bans_every_completion(tag_text_))) {
      reject_path(true);
      continue;
    }
    path_tokens_.push_back(token);
    if (pass_tokens_ + static_cast<int32_t>(path_tokens_.size()) > max_tokens) {
      end_pass();  // the pass's token budget is spent: the open tag is dropped
      continue;
    }
    const int32_t child = trie_.child(node_, slot);
    if (child >= 0) {
      node_ = child;
      continue;
    }
    awaiting_ = Awaiting::child;
    queue_path(false, 0);
  }
}

// A token ended the open tag with `text`: keep it (its tokens go into the sequence and the
// next tag starts after them), or take it out of the distribution and draw again.
void VariantRun::seal(const std::string& text, int32_t token) {
  if (close_tag(text) == Verdict::rejected) {
    reject_path(true);
    return;
  }
  if (done_) return;  // a callback cancelled
  if (token == ctx_.tokenizer.eos_id()) {
    end_pass();
    return;
  }
  pass_tokens_ += static_cast<int32_t>(path_tokens_.size()) + 1;
  if (pass_tokens_ > ctx_.request.max_new_tokens) {
    end_pass();
    return;
  }
  awaiting_ = Awaiting::tag_root;
  queue_path(true, token);
}

void VariantRun::reject_path(bool is_tag) {
  trie_.reject(path_);
  if (is_tag) ++stats_.rejected_tags;
  ++rejections_here_;
  path_.clear();
  path_tokens_.clear();
  tag_text_.clear();
  node_ = 0;  // the tag's start
}

// Makes the sequence hold the path (and `token` after it): what it already holds of them
// stays, the rest of what it holds (a rejected path) is dropped, and what is missing is
// queued, the last token for its logits.
void VariantRun::queue_path(bool with_token, int32_t token) {
  pending_.assign(path_tokens_.begin(), path_tokens_.end());
  if (with_token) pending_.push_back(token);
  if (tag_start_ + static_cast<int32_t>(pending_.size()) > ctx_.session.n_ctx()) {
    stop(true);
    return;
  }
  const auto held = ctx_.session.tokens(seq_).subspan(static_cast<size_t>(tag_start_));
  size_t common = 0;
  while (common < held.size() && common + 1 < pending_.size() && held[common] == pending_[common]) ++common;
  stats_.rolled_back_tokens += static_cast<int64_t>(held.size() - common);
  ctx_.session.truncate(seq_, tag_start_ + static_cast<int32_t>(common));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(common));
  stats_.generated_tokens += static_cast<int64_t>(pending_.size());
}

VariantRun::Verdict VariantRun::close_tag(const std::string& text) {
  const std::string tag = trim(text);
  if (tag.empty()) return Verdict::empty;
  if (tag_text_state(tag) != TagTextState::clean) return Verdict::rejected;
  const std::string key = dedupe_key(tag);
  const bool banned = ctx_.resolved.bans.matches(tag) || ctx_.resolved.bans.matches(tags::normalize_tag(tag));
  if (banned || ctx_.resolved.input_keys.count(key) || seen_keys_.count(key)) return Verdict::rejected;
  seen_keys_.insert(key);
  pass_tags_.push_back(tag);
  if (ctx_.on_tag && !ctx_.on_tag(index_, tag)) {
    ctx_.cancelled.store(true, std::memory_order_relaxed);
    stop(false);
  }
  return Verdict::accepted;
}

void VariantRun::end_pass() {
  // KGen's rule: an output identical (as a set) to the previous one does not use up a retry,
  // but too many in a row end the request.
  std::vector<std::string> output = pass_tags_;
  std::sort(output.begin(), output.end());
  if (output == previous_output_) {
    ++same_output_;
    ++retries_left_;
  } else {
    same_output_ = 0;
    previous_output_ = std::move(output);
  }
  const auto total = ctx_.resolved.input_count + static_cast<int32_t>(pass_tags_.size());
  if (total >= ctx_.resolved.min_tags) {
    reached_target_ = true;
    stop(false);
    return;
  }
  --retries_left_;
  if (retries_left_ < 0 || same_output_ >= ctx_.request.max_same_output || ctx_.cancelled.load()) {
    stop(false);
    return;
  }
  refeed();
}

// Feeds the tags so far back after <|input_end|>, shuffled, ending in a comma so they stay
// whole and the model goes on with a new tag. Only what differs from the sequence's current
// tokens is evaluated.
void VariantRun::refeed() {
  sampler_.rng().shuffle(std::span<std::string>(pass_tags_));
  std::string text;
  for (const auto& t : pass_tags_) text += (text.empty() ? "" : ", ") + t;
  if (!text.empty()) text += ",";
  last_prompt_ = ctx_.resolved.dtg_prompt + text;
  const std::vector<int32_t> ids = ctx_.tokenizer.encode(last_prompt_);
  if (static_cast<int32_t>(ids.size()) >= ctx_.session.n_ctx()) {
    stop(true);
    return;
  }
  const auto held = ctx_.session.tokens(seq_);
  size_t common = 0;
  while (common < held.size() && common < ids.size() && held[common] == ids[common]) ++common;
  if (common == ids.size()) {
    // Nothing new to feed (no tags yet): sample again from the prompt's logits.
    ctx_.session.truncate(seq_, static_cast<int32_t>(ids.size()));
    begin_pass(ctx_.prompt_logits);
    return;
  }
  ctx_.session.truncate(seq_, static_cast<int32_t>(common));
  pending_.assign(ids.begin() + static_cast<std::ptrdiff_t>(common), ids.end());
  stats_.prompt_tokens += static_cast<int64_t>(pending_.size());
  awaiting_ = Awaiting::refeed;
}

TagVariant VariantRun::result() const {
  TagVariant v;
  v.seed = seed_;
  v.tags = pass_tags_;
  v.formatted = format_output(ctx_.request, ctx_.resolved, v.tags, ctx_.categories, v.categories);
  v.dtg_prompt = last_prompt_.empty() ? ctx_.resolved.dtg_prompt : last_prompt_;
  v.reached_target = reached_target_;
  v.context_full = context_full_;
  v.stats = stats_;
  return v;
}

}  // namespace nanollama
