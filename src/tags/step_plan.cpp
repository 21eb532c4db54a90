// SPDX-License-Identifier: Apache-2.0
#include "tags/step_plan.h"

#include <algorithm>

namespace nanollama {
namespace {

// A long input gets at least this many tokens a step, however many decode rows there are.
constexpr int32_t kMinChunk = 8;

}  // namespace

int32_t StepPlanner::consumed(int32_t seq) const {
  for (const auto& [s, n] : consumed_) {
    if (s == seq) return n;
  }
  return 0;
}

void StepPlanner::forget(int32_t seq) {
  std::erase_if(consumed_, [seq](const auto& entry) { return entry.first == seq; });
}

void StepPlanner::plan(std::span<const Work> works, int32_t row_target, int32_t idle_chunk, Batch& batch,
                       std::vector<Delivery>& deliveries) {
  int32_t decode_rows = 0;
  for (const Work& w : works) decode_rows += static_cast<int32_t>(w.tokens.size()) - consumed(w.seq) == 1 ? 1 : 0;
  int32_t budget = decode_rows > 0 ? std::max(row_target - decode_rows, kMinChunk) : idle_chunk;
  batch.clear();
  deliveries.clear();
  next_consumed_.clear();
  auto add = [&](const Work& w, int32_t from, int32_t count) {
    const auto size = static_cast<int32_t>(w.tokens.size());
    for (int32_t i = from; i < from + count; ++i) {
      batch.add(w.tokens[static_cast<size_t>(i)], w.seq, i + 1 == size);
    }
    if (from + count == size) {
      deliveries.push_back({w.owner, w.seq});
    } else {
      next_consumed_.emplace_back(w.seq, from + count);
    }
  };
  for (const Work& w : works) {  // decode rows: outside the budget
    const int32_t from = consumed(w.seq);
    if (static_cast<int32_t>(w.tokens.size()) - from == 1) add(w, from, 1);
  }
  bool chunked = false;
  for (const Work& w : works) {
    const int32_t from = consumed(w.seq);
    const int32_t left = static_cast<int32_t>(w.tokens.size()) - from;
    if (left <= 1) continue;
    const int32_t take = std::min(left, std::max(budget, chunked ? 0 : kMinChunk));
    if (take <= 0) {
      next_consumed_.emplace_back(w.seq, from);
      continue;
    }
    add(w, from, take);
    budget -= take;
    chunked = true;
  }
  consumed_.swap(next_consumed_);
}

}  // namespace nanollama
