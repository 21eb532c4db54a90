// SPDX-License-Identifier: Apache-2.0
#include "tokenizer/special_split.h"

#include <algorithm>

#include "tokenizer/vocabulary.h"

namespace nanollama::tokenizer_detail {
namespace {

// Appends `raw` to `out`, cut around every occurrence of `needle` (token `id`).
// Returns false (appending nothing) if `needle` does not occur.
bool cut_around(std::string_view text, const Fragment& raw, std::string_view needle, int32_t id,
                std::vector<Fragment>& out) {
  const std::string_view window = text.substr(raw.offset, raw.length);
  size_t match = window.find(needle);
  if (match == std::string_view::npos) return false;
  size_t start = 0;
  while (match != std::string_view::npos) {
    if (match > start) out.push_back({-1, raw.offset + start, match - start});
    out.push_back({id, 0, 0});
    start = match + needle.size();
    match = window.find(needle, start);
  }
  if (start < window.size()) out.push_back({-1, raw.offset + start, window.size() - start});
  return true;
}

}  // namespace

std::vector<Fragment> split_special_tokens(std::string_view text, const Vocabulary& vocab, bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({-1, 0, text.size()});

  std::vector<Fragment> next;
  for (const int32_t id : vocab.special_ids) {
    const TokenType type = vocab.types[static_cast<size_t>(id)];
    if (!parse_special && type != TokenType::user_defined) continue;
    const std::string_view needle = vocab.texts[static_cast<size_t>(id)];

    // Most special tokens occur nowhere: rebuild the list only for those that do.
    const bool occurs = std::any_of(fragments.begin(), fragments.end(), [&](const Fragment& f) {
      return !f.is_token() && text.substr(f.offset, f.length).find(needle) != std::string_view::npos;
    });
    if (!occurs) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.is_token() || !cut_around(text, f, needle, id, next)) next.push_back(f);
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace nanollama::tokenizer_detail
