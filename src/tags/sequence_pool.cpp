// SPDX-License-Identifier: Apache-2.0
#include "tags/sequence_pool.h"

#include <algorithm>

namespace nanollama {
namespace {

int32_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return static_cast<int32_t>(n);
}

}  // namespace

int32_t SequencePool::free_count() const noexcept {
  return static_cast<int32_t>(std::count(busy_.begin(), busy_.end(), 0));
}

SequencePool::Grant SequencePool::acquire(Session& session, std::span<const int32_t> prompt, int32_t n) {
  const auto limit = static_cast<int32_t>(prompt.size()) - 1;
  std::vector<int32_t> shared(busy_.size());
  int32_t best = -1;
  for (int32_t s = 0; s < size(); ++s) {
    shared[static_cast<size_t>(s)] = std::min(common_prefix(session.tokens(s), prompt), limit);
    const bool better = best < 0 || shared[static_cast<size_t>(s)] > shared[static_cast<size_t>(best)] ||
                        (shared[static_cast<size_t>(s)] == shared[static_cast<size_t>(best)] && !busy_[static_cast<size_t>(s)] &&
                         busy_[static_cast<size_t>(best)]);
    if (better) best = s;
  }
  // Free sequences, those whose cached tokens matter least first.
  std::vector<int32_t> free;
  for (int32_t s = 0; s < size(); ++s) {
    if (!busy_[static_cast<size_t>(s)]) free.push_back(s);
  }
  std::stable_sort(free.begin(), free.end(), [&](int32_t a, int32_t b) {
    return shared[static_cast<size_t>(a)] < shared[static_cast<size_t>(b)];
  });

  Grant g;
  g.held = shared[static_cast<size_t>(best)];
  if (!busy_[static_cast<size_t>(best)]) {
    g.seqs.push_back(best);
    free.erase(std::find(free.begin(), free.end(), best));
    session.truncate(best, g.held);
  } else {
    g.seqs.push_back(free.front());
    free.erase(free.begin());
    session.fork(best, g.seqs[0], g.held);
  }
  for (int32_t k = 1; k < n; ++k) {
    g.seqs.push_back(free[static_cast<size_t>(k - 1)]);
    session.clear(g.seqs.back());
  }
  for (int32_t s : g.seqs) busy_[static_cast<size_t>(s)] = 1;
  return g;
}

void SequencePool::release(std::span<const int32_t> seqs) noexcept {
  for (int32_t s : seqs) busy_[static_cast<size_t>(s)] = 0;
}

}  // namespace nanollama
