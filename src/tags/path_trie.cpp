// SPDX-License-Identifier: Apache-2.0
#include "tags/path_trie.h"

namespace nanollama {

void PathTrie::clear() noexcept {
  nodes_.clear();
  ids_.clear();
  probs_.clear();
  weights_.clear();
  children_.clear();
}

int32_t PathTrie::add_node(std::span<const TokenProbability> candidates, const Step* parent) {
  Node n{ids_.size(), candidates.size(), 0.0, 0.0};
  for (const auto& c : candidates) {
    ids_.push_back(c.id);
    probs_.push_back(static_cast<double>(c.p));
    weights_.push_back(static_cast<double>(c.p));
    children_.push_back(-1);
    n.total += static_cast<double>(c.p);
  }
  n.remaining = n.total;
  const auto index = static_cast<int32_t>(nodes_.size());
  nodes_.push_back(n);
  if (parent != nullptr) children_[offset(parent->node, parent->slot)] = index;
  return index;
}

int32_t PathTrie::draw(int32_t node, double u, bool greedy) const noexcept {
  const Node& n = nodes_[static_cast<size_t>(node)];
  if (!(n.remaining > 0.0)) return -1;
  int32_t last_allowed = -1;
  if (greedy) {
    double best = 0.0;
    for (size_t s = 0; s < n.count; ++s) {
      if (weights_[n.first + s] > best) {
        best = weights_[n.first + s];
        last_allowed = static_cast<int32_t>(s);
      }
    }
    return last_allowed;
  }
  const double target = u * n.remaining;
  double cumulative = 0.0;
  for (size_t s = 0; s < n.count; ++s) {
    const double w = weights_[n.first + s];
    if (!(w > 0.0)) continue;
    last_allowed = static_cast<int32_t>(s);
    cumulative += w;
    if (target < cumulative) return last_allowed;
  }
  return last_allowed;  // rounding left the sum just under the target
}

double PathTrie::remaining(int32_t node) const noexcept {
  const Node& n = nodes_[static_cast<size_t>(node)];
  return n.total > 0.0 ? n.remaining / n.total : 0.0;
}

void PathTrie::recount(Node& n) noexcept {
  double sum = 0.0;
  for (size_t s = 0; s < n.count; ++s) sum += weights_[n.first + s];
  n.remaining = sum;
}

void PathTrie::reject(std::span<const Step> path) noexcept {
  // The last step's completion is rejected outright; every step above keeps its probability
  // times what remains of the node it leads to. Sums are recomputed, not decremented, so a
  // node whose every slot is gone has exactly zero left.
  double fraction = 0.0;
  for (size_t k = path.size(); k-- > 0;) {
    const Step& s = path[k];
    const size_t at = offset(s.node, s.slot);
    weights_[at] = probs_[at] * fraction;
    Node& n = nodes_[static_cast<size_t>(s.node)];
    recount(n);
    fraction = remaining(s.node);
  }
}

}  // namespace nanollama
