// SPDX-License-Identifier: Apache-2.0
// One tag request in flight on a session shared with other requests: its resolved form, its
// prompt, and one VariantRun per variant, each on a sequence of its own.
//
// Life: the prompt is evaluated into the first sequence (after whatever prefix of it that
// sequence already holds), forked into the others, and every variant then decodes on its
// own. Nothing a run does depends on the other sequences in the batch, so a request's tags
// are the same alone or among others.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include "nanollama/tags.h"
#include "tags/resolved_request.h"
#include "tags/variant_run.h"

namespace nanollama {

// What every request of one generator shares.
struct GeneratorShared {
  Session& session;
  const Model& model;
  const Tokenizer& tokenizer;
  const std::vector<std::string>& pieces;         // every token's text
  const std::vector<int32_t>& never_sampled;      // tokens no tag may contain
  const tags::CategoryLists& categories;
};

class RequestRun {
 public:
  // Resolves and tokenizes the request. Throws Error(invalid_argument) for a bad request and
  // Error(context_full) for a prompt that does not fit the context.
  RequestRun(const GeneratorShared& shared, TagRequest request, TagCallback on_tag);

  const TagRequest& request() const noexcept { return request_; }
  const std::vector<int32_t>& prompt_ids() const noexcept { return prompt_ids_; }
  int32_t n_sequences() const noexcept { return request_.variants; }
  const std::vector<int32_t>& sequences() const noexcept { return seqs_; }

  // Starts on `seqs` (one per variant); seqs[0] already holds the first `held` prompt tokens.
  void begin(std::vector<int32_t> seqs, int32_t held);

  // The tokens sequence `seq` waits to have evaluated (empty if none); the last one needs logits.
  struct Work {
    int32_t seq;
    std::span<const int32_t> tokens;
  };
  void collect(std::vector<Work>& out) const;
  // Every token collect() gave for `seq` was evaluated; `logits` follow the last one.
  void on_decoded(int32_t seq, std::span<const float> logits);

  // Stops every variant where it is (the context is full). Before the prompt is in, the
  // request is aborted: it has no result.
  void stop(bool context_full);
  bool aborted() const noexcept { return aborted_; }
  void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
  // Cancels the request, as timed out, if its time limit (from begin()) has passed by `now`.
  void check_deadline(std::chrono::steady_clock::time_point now) noexcept;
  bool done() const noexcept;

  TagResult result() const;

 private:
  VariantRun* run_on(int32_t seq);

  const GeneratorShared& shared_;
  TagRequest request_;
  TagCallback on_tag_;
  ResolvedRequest resolved_;
  std::vector<int32_t> prompt_ids_;
  std::vector<float> prompt_logits_;
  std::atomic<bool> cancelled_{false};
  std::unique_ptr<RequestContext> context_;  // the variants hold a reference to it
  std::vector<int32_t> seqs_;
  int32_t held_ = 0;
  bool prompted_ = false;                    // the prompt's logits are in
  bool aborted_ = false;
  bool timed_out_ = false;
  std::vector<VariantRun> runs_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace nanollama
