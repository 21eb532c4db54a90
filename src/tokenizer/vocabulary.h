// SPDX-License-Identifier: Apache-2.0
// The tokenizer's view of a GGUF vocabulary: token texts, scores and types, the special
// ids and flags, and the lookups derived from them. Built once, checked, then read-only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nanollama/tokenizer.h"

namespace nanollama::gguf {
class GgufFile;
}

namespace nanollama::tokenizer_detail {

struct Vocabulary {
  std::vector<std::string> texts;  // by id; an empty text in the file reads as "[EMPTY_<id>]"
  std::vector<float> scores;
  std::vector<TokenType> types;

  // Every text to its id. Keys view `texts`, whose strings never move once built (moving
  // the vector keeps its elements in place).
  std::unordered_map<std::string_view, int32_t> ids_by_text;
  // The token each byte value falls back to: "<0xNN>" if present, else the one-byte text.
  std::array<int32_t, 256> byte_ids{};
  // CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first (ties by id), the order in
  // which they are split out of the text.
  std::vector<int32_t> special_ids;

  int32_t bos_id = 1;
  int32_t eos_id = 2;
  int32_t unk_id = 0;
  std::optional<int32_t> pad_id;
  bool add_bos = true;
  bool add_eos = false;
  bool add_space_prefix = true;

  int32_t size() const noexcept { return static_cast<int32_t>(texts.size()); }
  bool contains(int32_t id) const noexcept { return id >= 0 && id < size(); }
};

// Reads and checks tokenizer.ggml.* (docs/TOKENIZER.md, "From the GGUF arrays"). Throws Error naming the file
// and the problem.
Vocabulary load_vocabulary(const gguf::GgufFile& file);

}  // namespace nanollama::tokenizer_detail
