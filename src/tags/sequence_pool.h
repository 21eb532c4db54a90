// SPDX-License-Identifier: Apache-2.0
// Which of a session's sequences belong to a request in flight, and which sequences a new
// request gets: the first continues the longest prefix of its prompt that any sequence holds
// (its own cells, or a fork of a busy sequence's), so consecutive and concurrent requests
// evaluate only what their prompts do not share.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nanollama/session.h"

namespace nanollama {

class SequencePool {
 public:
  explicit SequencePool(int32_t n_sequences) : busy_(static_cast<size_t>(n_sequences), 0) {}

  int32_t size() const noexcept { return static_cast<int32_t>(busy_.size()); }
  int32_t free_count() const noexcept;

  struct Grant {
    std::vector<int32_t> seqs;
    int32_t held = 0;  // prompt tokens seqs[0] already holds
  };
  // Takes `n` free sequences (n <= free_count()) for `prompt`; the others are emptied. The
  // last prompt token is never counted as held: its logits are needed.
  Grant acquire(Session& session, std::span<const int32_t> prompt, int32_t n);
  void release(std::span<const int32_t> seqs) noexcept;

 private:
  std::vector<uint8_t> busy_;
};

}  // namespace nanollama
