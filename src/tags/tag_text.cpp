// SPDX-License-Identifier: Apache-2.0
#include "tags/tag_text.h"

#include <cstdint>

#include "tokenizer/utf8.h"

namespace nanollama {

TagTextState tag_text_state(std::string_view text) noexcept {
  using namespace tokenizer_detail;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    if (lead < 0x80) {
      if (lead < 0x20 || lead == 0x7F) return TagTextState::unclean;
      ++i;
      continue;
    }
    const size_t length = well_formed_length(lead);
    if (length == 0) return TagTextState::unclean;
    for (size_t k = 1; k < length; ++k) {
      if (i + k == text.size()) return TagTextState::unfinished;
      const auto b = static_cast<uint8_t>(text[i + k]);
      if (k == 1) {
        const ByteRange second = second_byte_range(lead);
        if (b < second.low || b > second.high) return TagTextState::unclean;
      } else if (!is_continuation(b)) {
        return TagTextState::unclean;
      }
    }
    // U+0080..U+009F, the C1 controls, are 0xC2 0x80..0x9F.
    if (lead == 0xC2 && static_cast<uint8_t>(text[i + 1]) <= 0x9F) return TagTextState::unclean;
    i += length;
  }
  return TagTextState::clean;
}

}  // namespace nanollama
