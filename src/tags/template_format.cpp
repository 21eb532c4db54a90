// SPDX-License-Identifier: Apache-2.0
// Output template: <|category|> placeholders filled, then the blank space the empty ones
// leave behind tidied away.
#include <string>

#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// At s[i] == '<': the placeholder's name if "<|name|>" starts there (empty otherwise), and
// `end` past it.
std::string_view placeholder_at(std::string_view s, size_t i, size_t& end) {
  if (s.compare(i, 2, "<|") != 0) return {};
  size_t j = i + 2;
  while (j < s.size() && is_name_char(s[j])) ++j;
  if (j == i + 2 || s.compare(j, 2, "|>") != 0) return {};
  end = j + 2;
  return s.substr(i + 2, j - i - 2);
}

std::optional<Category> placeholder_category(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return parse_category(lower);
}

// The reference tools' clean-up, plus CRLF and trailing spaces on a line: "\n" then spaces
// -> "\n", spaces then "\n" -> "\n", three or more newlines -> two, space runs -> one, and no
// whitespace or commas at either end.
std::string tidy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (c == ' ' || c == '\t') {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      const bool at_line_edge = (!out.empty() && out.back() == '\n') || j == s.size() || s[j] == '\n' ||
                                (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n');
      if (!at_line_edge) out += ' ';
      i = j - 1;
      continue;
    }
    if (c == '\n' && out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') continue;
    out += c;
  }
  constexpr std::string_view kEdge = " \t\r\n\f\v,";
  const size_t begin = out.find_first_not_of(kEdge);
  if (begin == std::string::npos) return {};
  return out.substr(begin, out.find_last_not_of(kEdge) - begin + 1);
}

}  // namespace

std::string apply_template(std::string_view template_text,
                           const std::array<std::vector<FormattedTag>, kAllCategories.size()>& by_category,
                           const std::vector<std::string>& networks) {
  // One pass, so a tag that looks like a placeholder is never filled in itself.
  std::string filled;
  for (size_t i = 0; i < template_text.size();) {
    size_t end = 0;
    const std::string_view name = template_text[i] == '<' ? placeholder_at(template_text, i, end) : std::string_view{};
    if (name.empty()) {
      filled += template_text[i++];
      continue;
    }
    const std::optional<Category> category = placeholder_category(name);
    const std::vector<FormattedTag>* tags = category ? &by_category[static_cast<size_t>(*category)] : nullptr;
    if (tags == nullptr || tags->empty()) {
      // Empty or unknown: the placeholder goes, with the comma right after it.
      i = end < template_text.size() && template_text[end] == ',' ? end + 1 : end;
      continue;
    }
    for (size_t k = 0; k < tags->size(); ++k) {
      if (k > 0) filled += ", ";
      filled += format_tag((*tags)[k]);
    }
    i = end;
  }

  std::string out = tidy(filled);
  if (!networks.empty()) {
    if (!out.empty()) out += '\n';
    for (size_t k = 0; k < networks.size(); ++k) {
      if (k > 0) out += ' ';
      out += networks[k];
    }
  }
  return out;
}

}  // namespace nanollama::tags
