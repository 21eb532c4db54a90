#include "tags/variant_run.h"

#include <algorithm>

namespace nanollama {
namespace {

// After this many rejected tags at one position the pass ends there, so a ban the model
// keeps circling cannot stall a request.
constexpr int32_t kMaxRejectionsPerTag = 24;

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
  begin_pass(ctx_.prompt_logits);
  sample_until_pending(tag_start_logits_);
}

void VariantRun::on_decoded(std::span<const float> logits) {
  if (refeeding_) {
    refeeding_ = false;
    begin_pass(logits);
    sample_until_pending(tag_start_logits_);
    return;
  }
  if (save_tag_start_) {
    tag_start_logits_.assign(logits.begin(), logits.end());
    save_tag_start_ = false;
  }
  sample_until_pending(logits);
}

void VariantRun::stop(bool context_full) {
  context_full_ = context_full_ || context_full;
  done_ = true;
  pending_.clear();
}

void VariantRun::begin_pass(std::span<const float> logits) {
  tag_start_ = ctx_.session.n_past(seq_);
  tag_text_.clear();
  tag_tokens_.clear();
  forbidden_.clear();
  rejections_here_ = 0;
  tag_start_logits_.assign(logits.begin(), logits.end());
  save_tag_start_ = false;
  pass_tokens_ = 0;
  pass_sampled_ = 0;
  ++stats_.passes;
}

bool VariantRun::allowed(int32_t token) const {
  if (forbidden_.empty()) return true;
  const auto it = forbidden_.find(tag_tokens_);
  return it == forbidden_.end() || std::find(it->second.begin(), it->second.end(), token) == it->second.end();
}

void VariantRun::sample_until_pending(std::span<const float> logits) {
  pending_.clear();
  const int32_t eos = ctx_.tokenizer.eos_id();
  const int32_t max_tokens = ctx_.request.max_new_tokens;
  while (!done_) {
    if (ctx_.cancelled.load(std::memory_order_relaxed)) {
      stop(false);
      return;
    }
    // Each way a pass can end leads to end_pass(), which either finishes, queues re-fed
    // tags (pending), or starts over from the prompt's logits.
    auto next_pass = [&] {
      end_pass();
      if (!done_ && pending_.empty()) logits = tag_start_logits_;
    };
    if (pass_sampled_ >= 4 * max_tokens || rejections_here_ > kMaxRejectionsPerTag) {
      tag_text_.clear();  // an unfinished tag is dropped
      next_pass();
      if (done_ || !pending_.empty()) return;
      continue;
    }

    int32_t token = eos;
    try {
      token = sampler_.sample_if(logits, ctx_.session.tokens(seq_), [this](int32_t id) { return allowed(id); });
    } catch (const Error&) {
      // Every candidate is forbidden here (bans and rejected paths): end the pass as if the
      // model had stopped, without the open tag.
      tag_text_.clear();
      tag_tokens_.clear();
    }
    ++pass_sampled_;
    if (token == eos) {
      if (close_tag(tag_text_, token) == Verdict::rejected) {
        roll_back();
        logits = tag_start_logits_;
        continue;
      }
      next_pass();
      if (done_ || !pending_.empty()) return;
      continue;
    }

    const std::string& piece = ctx_.pieces[static_cast<size_t>(token)];
    const size_t comma = piece.find(',');
    if (comma != std::string::npos) {
      // The sampler never offers a token with text after its comma, so a new tag always
      // begins at a token boundary, right after this one.
      if (close_tag(tag_text_ + piece.substr(0, comma), token) == Verdict::rejected) {
        roll_back();
        logits = tag_start_logits_;
        continue;
      }
      tag_text_.clear();
      tag_tokens_.clear();
      forbidden_.clear();
      rejections_here_ = 0;
      tag_start_ = ctx_.session.n_past(seq_) + 1;
      save_tag_start_ = true;
    } else {
      tag_text_ += piece;
      tag_tokens_.push_back(token);
    }
    if (done_) return;  // a callback cancelled

    if (pass_tokens_ >= max_tokens) {
      tag_text_.clear();
      next_pass();
      if (done_ || !pending_.empty()) return;
      continue;
    }
    if (ctx_.session.n_past(seq_) + 1 > ctx_.session.n_ctx()) {
      stop(true);
      return;
    }
    pending_.assign(1, token);
    ++pass_tokens_;
    ++stats_.generated_tokens;
    return;
  }
}

VariantRun::Verdict VariantRun::close_tag(const std::string& text, int32_t sealing_token) {
  const std::string tag = trim(text);
  if (tag.empty()) return Verdict::empty;
  const std::string key = dedupe_key(tag);
  const bool banned = ctx_.resolved.bans.matches(tag) || ctx_.resolved.bans.matches(tags::normalize_tag(tag));
  if (banned || ctx_.resolved.input_keys.count(key) || seen_keys_.count(key)) {
    remember_rejection(tag, sealing_token);
    ++stats_.rejected_tags;
    return Verdict::rejected;
  }
  seen_keys_.insert(key);
  pass_tags_.push_back(tag);
  if (ctx_.on_tag && !ctx_.on_tag(index_, tag)) {
    ctx_.cancelled.store(true, std::memory_order_relaxed);
    stop(false);
  }
  return Verdict::accepted;
}

// Forbids the token whose text completed `tag` on the exact path that led to it: the model
// may still write tags that share a prefix with it.
void VariantRun::remember_rejection(const std::string& tag, int32_t last_token) {
  std::vector<int32_t> path = tag_tokens_;
  if (last_token != ctx_.tokenizer.eos_id()) path.push_back(last_token);
  std::string text;
  for (size_t k = 0; k < path.size(); ++k) {
    text += ctx_.pieces[static_cast<size_t>(path[k])];
    if (trim(std::string_view(text).substr(0, text.find(','))) == tag) {
      forbidden_[std::vector<int32_t>(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(k))].push_back(path[k]);
      break;
    }
  }
  ++rejections_here_;
}

void VariantRun::roll_back() {
  const int32_t n = ctx_.session.n_past(seq_);
  stats_.rolled_back_tokens += n - tag_start_;
  pass_tokens_ -= n - tag_start_;
  ctx_.session.truncate(seq_, tag_start_);
  tag_text_.clear();
  tag_tokens_.clear();
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
  refeeding_ = true;
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
