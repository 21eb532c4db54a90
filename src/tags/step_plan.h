// SPDX-License-Identifier: Apache-2.0
// What one decode step evaluates when many sequences wait: every sequence with a single
// token to evaluate (a decode row), then chunks of longer inputs (prompts, re-fed tags).
// While sequences are decoding, a step is bound by reading the weights, and rows added to
// it are nearly free up to about 16 (the products stream the weights once for all of them):
// chunks fill the step up to `row_target` rows, so prompts ride along with the decoding
// (at least a small chunk per step, so that they always progress). With nothing decoding,
// a step takes `idle_chunk` tokens, as a prompt pass would. A sequence gets its logits when
// the last of its tokens is in. Evaluating an input in chunks gives the same values as at
// once: each token's attention reads only its own sequence's cells.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "nanollama/session.h"
#include "tags/request_run.h"

namespace nanollama {

class StepPlanner {
 public:
  struct Work {
    RequestRun* owner;
    int32_t seq;
    std::span<const int32_t> tokens;  // everything the sequence waits for, logits after the last
  };
  struct Delivery {
    RequestRun* owner;
    int32_t seq;
  };

  // Fills `batch`; `deliveries` lists the sequences whose tokens are now all in, in the order
  // of their logits in the batch. At least one chunk of a long input goes in every step.
  void plan(std::span<const Work> works, int32_t row_target, int32_t idle_chunk, Batch& batch,
            std::vector<Delivery>& deliveries);
  // The sequence's partly evaluated input is gone (its request ended).
  void forget(int32_t seq);

 private:
  int32_t consumed(int32_t seq) const;

  std::vector<std::pair<int32_t, int32_t>> consumed_, next_consumed_;  // (seq, tokens in)
};

}  // namespace nanollama
