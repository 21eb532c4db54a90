// SPDX-License-Identifier: Apache-2.0
#include "tags/request_run.h"

namespace nanollama {
namespace {

void add(TagStats& total, const TagStats& s) {
  total.prompt_tokens += s.prompt_tokens;
  total.reused_tokens += s.reused_tokens;
  total.generated_tokens += s.generated_tokens;
  total.rolled_back_tokens += s.rolled_back_tokens;
  total.rejected_tags += s.rejected_tags;
  total.passes += s.passes;
}

}  // namespace

RequestRun::RequestRun(const GeneratorShared& shared, TagRequest request, TagCallback on_tag)
    : shared_(shared), request_(std::move(request)), on_tag_(std::move(on_tag)) {
  resolved_ = resolve_request(request_, shared_.model, shared_.categories);
  prompt_ids_ = shared_.tokenizer.encode(resolved_.dtg_prompt);
  if (static_cast<int32_t>(prompt_ids_.size()) >= shared_.session.n_ctx()) {
    throw Error(ErrorCode::context_full, "the prompt is " + std::to_string(prompt_ids_.size()) +
                                             " tokens long; the context holds " + std::to_string(shared_.session.n_ctx()));
  }
}

void RequestRun::begin(std::vector<int32_t> seqs, int32_t held) {
  seqs_ = std::move(seqs);
  held_ = held;
  started_ = std::chrono::steady_clock::now();
}

void RequestRun::collect(std::vector<Work>& out) const {
  if (!prompted_) {
    // Even a cancelled request finishes its prompt: its variants then stop at once, and the
    // result has their seeds and prompts as usual.
    if (!aborted_) out.push_back({seqs_[0], std::span<const int32_t>(prompt_ids_).subspan(static_cast<size_t>(held_))});
    return;
  }
  for (const auto& run : runs_) {
    if (!run.done() && !run.pending().empty()) out.push_back({run.seq(), run.pending()});
  }
}

void RequestRun::check_deadline(std::chrono::steady_clock::time_point now) noexcept {
  const std::optional<double>& limit = request_.time_limit_seconds;
  if (!limit || *limit <= 0.0 || timed_out_) return;
  if (std::chrono::duration<double>(now - started_).count() >= *limit) {
    timed_out_ = true;
    cancel();
  }
}

VariantRun* RequestRun::run_on(int32_t seq) {
  for (auto& run : runs_) {
    if (run.seq() == seq) return &run;
  }
  return nullptr;
}

void RequestRun::on_decoded(int32_t seq, std::span<const float> logits) {
  if (prompted_) {
    if (VariantRun* run = run_on(seq)) run->on_decoded(logits);
    return;
  }
  // The prompt is in: every variant starts from its logits, on a fork of its cells.
  prompted_ = true;
  prompt_logits_.assign(logits.begin(), logits.end());
  for (size_t v = 1; v < seqs_.size(); ++v) shared_.session.fork(seqs_[0], seqs_[v]);
  context_ = std::make_unique<RequestContext>(RequestContext{shared_.session, shared_.tokenizer, shared_.pieces, request_,
                                                             resolved_, prompt_ids_, prompt_logits_, shared_.categories,
                                                             on_tag_, cancelled_});
  runs_.reserve(seqs_.size());
  for (size_t v = 0; v < seqs_.size(); ++v) {
    SamplerParams p = request_.sampling;
    p.banned_tokens.insert(p.banned_tokens.end(), shared_.never_sampled.begin(), shared_.never_sampled.end());
    p.seed = resolved_.seed + static_cast<uint64_t>(v);
    runs_.emplace_back(*context_, static_cast<int32_t>(v), seqs_[v], std::move(p));
  }
  for (auto& run : runs_) run.start();
}

void RequestRun::stop(bool context_full) {
  if (!prompted_) aborted_ = true;
  for (auto& run : runs_) run.stop(context_full);
}

bool RequestRun::done() const noexcept {
  if (!prompted_) return aborted_;
  for (const auto& run : runs_) {
    if (!run.done()) return false;
  }
  return true;
}

TagResult RequestRun::result() const {
  TagResult result;
  result.cancelled = cancelled_.load();
  result.timed_out = timed_out_;
  result.model = resolved_.model;
  result.quality_line = resolved_.fields.quality_line;
  result.total.prompt_tokens = static_cast<int64_t>(prompt_ids_.size()) - held_;
  result.total.reused_tokens = held_;
  for (const auto& run : runs_) {
    result.variants.push_back(run.result());
    add(result.total, result.variants.back().stats);
  }
  result.total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  for (auto& v : result.variants) v.stats.seconds = result.total.seconds;
  return result;
}

}  // namespace nanollama
