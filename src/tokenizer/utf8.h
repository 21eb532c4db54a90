// SPDX-License-Identifier: Apache-2.0
// UTF-8 facts the tokenizer relies on. Two notions of "character" meet here:
// - llama.cpp cuts text into symbols by the lead byte's length alone (0xxx -> 1 byte,
//   110x -> 2, 1110 -> 3, 1111 -> 4, and a stray 10xx continuation byte -> 1), clipped
//   at the end of the text, without checking the bytes that follow;
// - sentencepiece accepts only well-formed characters (no overlong forms, surrogates, values
//   above U+10FFFF or truncation) and turns anything else into U+FFFD.
// Encoding walks the text with the first rule and hands sentencepiece only the groups the
// second rule accepts, so both libraries see the same symbols (docs/TOKENIZER.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nanollama::tokenizer_detail {

// Bytes in the symbol that starts with `lead`, by llama.cpp's rule.
constexpr size_t lead_byte_length(uint8_t lead) noexcept {
  constexpr uint8_t kLengthByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengthByHighNibble[lead >> 4];
}

constexpr bool is_continuation(uint8_t b) noexcept { return (b & 0xC0) == 0x80; }

// The allowed range of the byte after `lead` in a well-formed sequence (Unicode table 3-7);
// {1, 0} (an empty range) if `lead` cannot start a multi-byte character.
struct ByteRange {
  uint8_t low;
  uint8_t high;
};
constexpr ByteRange second_byte_range(uint8_t lead) noexcept {
  if (lead >= 0xC2 && lead <= 0xDF) return {0x80, 0xBF};
  if (lead == 0xE0) return {0xA0, 0xBF};  // no overlong 3-byte forms
  if (lead == 0xED) return {0x80, 0x9F};  // no surrogates
  if (lead >= 0xE1 && lead <= 0xEF) return {0x80, 0xBF};
  if (lead == 0xF0) return {0x90, 0xBF};  // no overlong 4-byte forms
  if (lead >= 0xF1 && lead <= 0xF3) return {0x80, 0xBF};
  if (lead == 0xF4) return {0x80, 0x8F};  // nothing above U+10FFFF
  return {1, 0};
}

// Length of the well-formed sequence `lead` starts (1 for ASCII), 0 if it starts none.
constexpr size_t well_formed_length(uint8_t lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// True if `group` is exactly one well-formed UTF-8 character.
constexpr bool is_one_valid_char(std::string_view group) noexcept {
  if (group.empty()) return false;
  const auto lead = static_cast<uint8_t>(group[0]);
  if (well_formed_length(lead) != group.size()) return false;
  if (group.size() == 1) return true;
  const ByteRange second = second_byte_range(lead);
  const auto b1 = static_cast<uint8_t>(group[1]);
  if (b1 < second.low || b1 > second.high) return false;
  for (size_t i = 2; i < group.size(); ++i) {
    if (!is_continuation(static_cast<uint8_t>(group[i]))) return false;
  }
  return true;
}

// How many bytes at the end of `text` are the start of a well-formed character that is not
// complete yet (0..3). Streaming output holds exactly these back.
constexpr size_t incomplete_tail_length(std::string_view text) noexcept {
  const size_t n = text.size();
  for (size_t k = 1; k <= 3 && k <= n; ++k) {
    const auto b = static_cast<uint8_t>(text[n - k]);
    if (is_continuation(b)) continue;
    const size_t need = well_formed_length(b);
    if (need <= k) return 0;  // ASCII, an impossible lead, or already complete
    if (k >= 2) {
      const ByteRange second = second_byte_range(b);
      const auto b1 = static_cast<uint8_t>(text[n - k + 1]);
      if (b1 < second.low || b1 > second.high) return 0;  // can never become valid
    }
    return k;
  }
  return 0;
}

}  // namespace nanollama::tokenizer_detail
