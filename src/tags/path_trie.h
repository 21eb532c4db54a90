// SPDX-License-Identifier: Apache-2.0
// The token paths explored from one tag's start, each node holding the distribution the
// sampler gave there and how much of it is still allowed: sampling without replacement over
// the rejected tags (docs/TAGS.md, "How bans and duplicates are enforced").
//
// When a finished tag is rejected (banned, a duplicate, not clean text), its path's last step
// loses all its weight and every node above it loses the rejected path's share: a child's
// weight is its probability times the fraction of its own subtree still allowed. A draw from
// a node is then exactly the model's distribution conditioned on not completing any tag
// rejected so far, and retrying until a tag is accepted draws from the model's distribution
// conditioned on the tag being allowed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nanollama/sampler.h"

namespace nanollama {

class PathTrie {
 public:
  struct Step {
    int32_t node;
    int32_t slot;  // which candidate of the node was drawn
  };

  // Forgets every node; keeps the memory for the next tag.
  void clear() noexcept;
  bool empty() const noexcept { return nodes_.empty(); }

  // A node with the distribution `candidates` (probabilities summing to about 1); its index.
  // With `parent`, it becomes the child reached by that step.
  int32_t add_node(std::span<const TokenProbability> candidates, const Step* parent = nullptr);

  // The slot drawn from `node` with u uniform in [0, 1) by remaining weight, or if `greedy`
  // the slot of most remaining weight (the mode of the conditioned distribution; the first
  // of equals). -1 if nothing remains.
  int32_t draw(int32_t node, double u, bool greedy) const noexcept;

  int32_t token(int32_t node, int32_t slot) const noexcept { return ids_[offset(node, slot)]; }
  // The node a step leads to, or -1 if that step was never taken with logits evaluated.
  int32_t child(int32_t node, int32_t slot) const noexcept { return children_[offset(node, slot)]; }
  // Fraction of the node's probability still allowed, in [0, 1].
  double remaining(int32_t node) const noexcept;

  // The completion reached by `path` (from the root) was rejected: its last step loses all
  // its weight, and each node above loses that share.
  void reject(std::span<const Step> path) noexcept;

 private:
  struct Node {
    size_t first;      // into ids_, weights_, children_
    size_t count;
    double total;      // sum of the candidates' probabilities
    double remaining;  // sum of weights_ over the node's slots
  };
  size_t offset(int32_t node, int32_t slot) const noexcept {
    return nodes_[static_cast<size_t>(node)].first + static_cast<size_t>(slot);
  }
  void recount(Node& n) noexcept;

  std::vector<Node> nodes_;
  std::vector<int32_t> ids_;
  std::vector<double> probs_;    // the candidate's probability
  std::vector<double> weights_;  // probability x fraction of its subtree still allowed
  std::vector<int32_t> children_;
};

}  // namespace nanollama
