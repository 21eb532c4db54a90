// SPDX-License-Identifier: Apache-2.0
#include "tags/text_util.h"

#include <array>
#include <charconv>

namespace nanollama::tags::detail {

std::string_view trim(std::string_view s) noexcept {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && is_space(s[begin])) ++begin;
  while (end > begin && is_space(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_space = false;
  for (char c : s) {
    if (is_space(c)) {
      if (!in_space) out += ' ';
      in_space = true;
    } else {
      out += c;
      in_space = false;
    }
  }
  return out;
}

std::string match_key(std::string_view tag) {
  std::string out;
  out.reserve(tag.size());
  for (char c : tag) {
    if (c == '_') {
      out += ' ';
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return collapse_spaces(trim(out));
}

size_t count_code_points(std::string_view s) noexcept {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string format_fixed(double value, int decimals) {
  // 309 integer digits at most for a finite double, plus sign, dot and decimals.
  std::array<char, 400> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, decimals);
  if (ec != std::errc{}) return "nan";  // cannot happen with this buffer size and decimals <= 20
  return std::string(buf.data(), end);
}

std::string format_decimal(double value, int decimals) {
  std::string out = format_fixed(value, decimals);
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

void defuse_networks(std::string& a1111) {
  for (size_t lt = a1111.find('<'); lt != std::string::npos; lt = a1111.find('<', lt + 1)) {
    size_t end = lt + 1;
    while (end < a1111.size() && is_word_byte(a1111[end])) ++end;
    if (end > lt + 1 && end < a1111.size() && a1111[end] == ':') a1111.insert(end, "()");
  }
}

std::string escape_a1111(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 4);
  for (char c : text) {
    if (c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace nanollama::tags::detail
