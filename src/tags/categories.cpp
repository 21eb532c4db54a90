// SPDX-License-Identifier: Apache-2.0
// Tag categories: the built-in rating / quality / special lists, the lists a caller gives,
// and the built-in artist / characters / copyrights / meta lists beneath them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "tags/builtin_lists.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

// A built-in entry: its match key (detail::match_key) and the form it is written in, which
// is KGen's (metainfo.py): the Pony-style quality tags keep their underscores.
struct Entry {
  std::string_view key, form;
};

constexpr Entry kRatingTags[] = {{"safe", "safe"},       {"general", "general"}, {"sensitive", "sensitive"},
                                 {"nsfw", "nsfw"},       {"explicit", "explicit"}, {"sfw", "sfw"},
                                 {"questionable", "questionable"}};

// KGen writes "worse quality"; "worst quality" is the form most prompts use. Both are here.
constexpr Entry kQualityTags[] = {
    {"masterpiece", "masterpiece"},       {"best quality", "best quality"},
    {"great quality", "great quality"},   {"good quality", "good quality"},
    {"normal quality", "normal quality"}, {"low quality", "low quality"},
    {"worse quality", "worse quality"},   {"worst quality", "worst quality"},
    {"very aesthetic", "very aesthetic"}, {"aesthetic", "aesthetic"},
    {"displeasing", "displeasing"},       {"very displeasing", "very displeasing"},
    {"newest", "newest"},                 {"recent", "recent"},
    {"mid", "mid"},                       {"early", "early"},
    {"old", "old"},                       {"score 9", "score_9"},
    {"score 8 up", "score_8_up"},         {"score 7 up", "score_7_up"},
    {"score 6 up", "score_6_up"},         {"score 5 up", "score_5_up"},
    {"score 4 up", "score_4_up"},         {"source anime", "source_anime"},
    {"source cartoon", "source_cartoon"}, {"source furry", "source_furry"},
    {"source pony", "source_pony"}};

constexpr Entry kSpecialTags[] = {
    {"1girl", "1girl"},     {"2girls", "2girls"},     {"3girls", "3girls"},     {"4girls", "4girls"},
    {"5girls", "5girls"},   {"6+girls", "6+girls"},   {"multiple girls", "multiple girls"},
    {"1boy", "1boy"},       {"2boys", "2boys"},       {"3boys", "3boys"},       {"4boys", "4boys"},
    {"5boys", "5boys"},     {"6+boys", "6+boys"},     {"multiple boys", "multiple boys"},
    {"male focus", "male focus"},
    {"1other", "1other"},   {"2others", "2others"},   {"3others", "3others"},   {"4others", "4others"},
    {"5others", "5others"}, {"6+others", "6+others"}, {"multiple others", "multiple others"}};

template <size_t N>
const Entry* find_builtin(const Entry (&list)[N], std::string_view key) {
  for (const Entry& e : list) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

// Entries go in as match keys through add(); a set filled directly may hold the tag as
// written or with spaces for underscores, so those forms are tried too.
bool in_list(const std::unordered_set<std::string>& list, std::string_view tag, const std::string& key) {
  if (list.empty()) return false;
  if (list.count(key) != 0) return true;
  std::string as_written(tag);
  if (list.count(as_written) != 0) return true;
  std::replace(as_written.begin(), as_written.end(), '_', ' ');
  return list.count(as_written) != 0;
}

// The first of artist, characters, copyrights, meta whose list holds the tag.
std::optional<Category> find_in(const CategoryLists& lists, std::string_view tag, const std::string& key) {
  if (in_list(lists.artist, tag, key)) return Category::artist;
  if (in_list(lists.characters, tag, key)) return Category::characters;
  if (in_list(lists.copyrights, tag, key)) return Category::copyrights;
  if (in_list(lists.meta, tag, key)) return Category::meta;
  return std::nullopt;
}

std::unordered_set<std::string>* user_list(CategoryLists& lists, Category category) {
  switch (category) {
    case Category::artist: return &lists.artist;
    case Category::characters: return &lists.characters;
    case Category::copyrights: return &lists.copyrights;
    case Category::meta: return &lists.meta;
    default: return nullptr;
  }
}

[[noreturn]] void throw_not_user_list(Category category) {
  throw Error(ErrorCode::invalid_argument, "the " + std::string(category_name(category)) +
                                               " category has no user list (only artist, characters, "
                                               "copyrights and meta do)");
}

}  // namespace

std::string_view category_name(Category c) noexcept {
  switch (c) {
    case Category::rating: return "rating";
    case Category::quality: return "quality";
    case Category::special: return "special";
    case Category::artist: return "artist";
    case Category::characters: return "characters";
    case Category::copyrights: return "copyrights";
    case Category::meta: return "meta";
    case Category::general: return "general";
  }
  return "general";
}

std::optional<Category> parse_category(std::string_view name) noexcept {
  for (Category c : kAllCategories) {
    if (name == category_name(c)) return c;
  }
  if (name == "artists") return Category::artist;
  if (name == "character") return Category::characters;
  if (name == "copyright") return Category::copyrights;
  return std::nullopt;
}

void CategoryLists::add(Category category, std::string_view tag) {
  std::unordered_set<std::string>* list = user_list(*this, category);
  if (list == nullptr) throw_not_user_list(category);
  std::string key = detail::match_key(tag);
  if (!key.empty()) list->insert(std::move(key));
}

void CategoryLists::add_lines(Category category, std::string_view text) {
  if (user_list(*this, category) == nullptr) throw_not_user_list(category);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    add(category, text.substr(0, end));  // trims, so "\r" of CRLF files goes too
    text.remove_prefix(std::min(end + 1, text.size()));
  }
}

void CategoryLists::load(Category category, const std::string& path) {
  if (user_list(*this, category) == nullptr) throw_not_user_list(category);
  const std::string what = "the " + std::string(category_name(category)) + " list '" + path + "'";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorCode::io, "cannot read " + what + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, "cannot open " + what);
  std::string text;
  char chunk[1 << 14];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) throw Error(ErrorCode::io, "error while reading " + what);
  add_lines(category, text);
}

namespace detail {

const CategoryLists& builtin_lists() {
  static const CategoryLists lists = [] {
    CategoryLists l;
    l.add_lines(Category::artist, kEmbeddedArtist);
    l.add_lines(Category::characters, kEmbeddedCharacters);
    l.add_lines(Category::copyrights, kEmbeddedCopyrights);
    l.add_lines(Category::meta, kEmbeddedMeta);
    return l;
  }();
  return lists;
}

SortedTag sort_tag(std::string_view tag, const CategoryLists& lists, bool use_builtin) {
  const std::string_view trimmed = trim(tag);
  std::string key = match_key(trimmed);
  if (key.empty()) return {Category::general, std::string(trimmed)};
  if (const Entry* e = find_builtin(kRatingTags, key)) return {Category::rating, std::string(e->form)};
  if (const Entry* e = find_builtin(kQualityTags, key)) return {Category::quality, std::string(e->form)};
  if (const Entry* e = find_builtin(kSpecialTags, key)) return {Category::special, std::string(e->form)};
  std::optional<Category> listed = find_in(lists, trimmed, key);
  if (!listed && use_builtin) listed = find_in(builtin_lists(), trimmed, key);
  if (listed) return {*listed, std::move(key)};
  return {Category::general, normalize_tag(trimmed)};
}

}  // namespace detail

SortedTag sort_tag(std::string_view tag, const CategoryLists& lists) {
  return detail::sort_tag(tag, lists, lists.builtin);
}

Category categorize(std::string_view tag, const CategoryLists& lists) { return sort_tag(tag, lists).category; }

std::string normalize_tag(std::string_view tag) {
  std::string out(detail::trim(tag));
  if (detail::count_code_points(out) >= 4) std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

TagMap categorize_all(const std::vector<std::string>& tags, const CategoryLists& lists) {
  TagMap map;
  for (const std::string& tag : tags) {
    if (detail::trim(tag).empty()) continue;
    SortedTag sorted = sort_tag(tag, lists);
    map[sorted.category].push_back(std::move(sorted.text));
  }
  return map;
}

}  // namespace nanollama::tags
