// SPDX-License-Identifier: Apache-2.0
// Splitting special-token texts out of raw text before the merge step, as llama.cpp does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace nanollama::tokenizer_detail {

struct Vocabulary;

// A piece of the input: either a matched special token, or a stretch of raw text.
struct Fragment {
  int32_t token = -1;  // the special token's id, or -1 for raw text
  size_t offset = 0;   // raw text: where it starts in the input
  size_t length = 0;

  bool is_token() const noexcept { return token >= 0; }
};

// Partitions `text` in order. Special tokens are taken one at a time, longest text first;
// each claims every non-overlapping occurrence (left to right) in the raw text that is left.
// USER_DEFINED tokens always take part, CONTROL and UNKNOWN ones only with `parse_special`.
// Raw fragments are never empty; an empty text gives no fragments.
std::vector<Fragment> split_special_tokens(std::string_view text, const Vocabulary& vocab, bool parse_special);

}  // namespace nanollama::tokenizer_detail
