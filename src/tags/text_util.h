// SPDX-License-Identifier: Apache-2.0
// Small string helpers shared by the tag-text files (internal).
#pragma once

#include <string>
#include <string_view>

namespace nanollama::tags::detail {

// Python's \w, roughly: ASCII letters, digits, underscore, and any non-ASCII byte (most
// non-ASCII text in prompts is letters).
inline bool is_word_byte(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
}

// ASCII whitespace only: prompts are UTF-8, and no byte of a multi-byte sequence is ASCII.
inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept;

// Every run of ASCII whitespace becomes one space (the ends are not trimmed).
std::string collapse_spaces(std::string_view s);

// The form two tags are compared in: trimmed, underscores as spaces, ASCII lower case,
// whitespace runs as one space. "Long_Hair " and "long hair" have the same key.
std::string match_key(std::string_view tag);

// Number of UTF-8 code points (bytes that do not continue a sequence): Python's len().
size_t count_code_points(std::string_view s) noexcept;

// printf's "%.<decimals>f" in the C locale whatever the global locale: the exact binary value
// correctly rounded, ties to even, as Python's f"{x:.1f}" does.
std::string format_fixed(double value, int decimals);

// A number with at most `decimals` decimals, correctly rounded, trailing zeros and a trailing
// dot removed, "-0" written "0"; independent of the C locale. 1.2100000000000002 -> "1.21".
std::string format_decimal(double value, int decimals);

// A weight as format_tag writes it (4 decimals): two weights are the same to A1111 output
// exactly when these strings are equal.
inline std::string weight_key(double weight) { return format_decimal(weight, 4); }

// Backslash-escapes what A1111 would read as syntax: ( ) [ ] and the backslash itself.
std::string escape_a1111(std::string_view text);

// Text that reads "<word:" would start an extra network for A1111 if a ">" came later, and
// A1111 has no escape for "<"; an empty "()" between the word and the colon reads as nothing
// (to A1111 and to parse_a1111_prompt) and stops the match: "<lora:" -> "<lora():".
// Parsing can join text into that shape ("<b()a:x>" is the text "<ba:x>"), and so can the
// colon of a weight ("(<a:1.1)"), so everything written as A1111 syntax goes through this.
void defuse_networks(std::string& a1111);

}  // namespace nanollama::tags::detail
