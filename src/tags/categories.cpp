// Tag categories: the built-in rating / quality / special lists and the user's lists.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

// In match-key form (detail::match_key): lower case, underscores as spaces.
constexpr std::string_view kRatingTags[] = {"safe", "general", "sensitive", "nsfw", "explicit", "sfw", "questionable"};

constexpr std::string_view kQualityTags[] = {
    "masterpiece",  "best quality",  "great quality", "good quality",  "normal quality", "low quality",
    "worst quality", "very aesthetic", "aesthetic",    "displeasing",   "very displeasing", "newest",
    "recent",       "mid",           "early",         "old",           "score 9",        "score 8 up",
    "score 7 up",   "score 6 up",    "score 5 up",    "score 4 up",    "source anime",   "source cartoon",
    "source furry", "source pony"};

constexpr std::string_view kSpecialTags[] = {
    "1girl",  "2girls",  "3girls",  "4girls",  "5girls",  "6+girls",  "multiple girls",
    "1boy",   "2boys",   "3boys",   "4boys",   "5boys",   "6+boys",   "multiple boys",  "male focus",
    "1other", "2others", "3others", "4others", "5others", "6+others", "multiple others"};

template <size_t N>
bool in_builtin(const std::string_view (&list)[N], std::string_view key) {
  return std::find(std::begin(list), std::end(list), key) != std::end(list);
}

// Entries go in as match keys through add(); a set filled directly may hold the tag as
// written or with spaces for underscores, so those forms are tried too.
bool in_user_list(const std::unordered_set<std::string>& list, std::string_view tag, const std::string& key) {
  if (list.empty()) return false;
  if (list.count(key) != 0) return true;
  std::string as_written(tag);
  if (list.count(as_written) != 0) return true;
  std::replace(as_written.begin(), as_written.end(), '_', ' ');
  return list.count(as_written) != 0;
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

void CategoryLists::load(Category category, const std::string& path) {
  if (user_list(*this, category) == nullptr) throw_not_user_list(category);
  const std::string what = "the " + std::string(category_name(category)) + " list '" + path + "'";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorCode::io, "cannot read " + what + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, "cannot open " + what);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    std::string_view view = line;
    if (first && view.substr(0, 3) == "\xEF\xBB\xBF") view.remove_prefix(3);  // UTF-8 byte order mark
    first = false;
    add(category, view);  // trims, so "\r" of CRLF files goes too
  }
  if (in.bad()) throw Error(ErrorCode::io, "error while reading " + what);
}

Category categorize(std::string_view tag, const CategoryLists& lists) {
  const std::string key = detail::match_key(tag);
  if (key.empty()) return Category::general;
  if (in_builtin(kRatingTags, key)) return Category::rating;
  if (in_builtin(kQualityTags, key)) return Category::quality;
  if (in_builtin(kSpecialTags, key)) return Category::special;
  const std::string_view trimmed = detail::trim(tag);
  if (in_user_list(lists.artist, trimmed, key)) return Category::artist;
  if (in_user_list(lists.characters, trimmed, key)) return Category::characters;
  if (in_user_list(lists.copyrights, trimmed, key)) return Category::copyrights;
  if (in_user_list(lists.meta, trimmed, key)) return Category::meta;
  return Category::general;
}

std::string normalize_tag(std::string_view tag) {
  std::string out(detail::trim(tag));
  if (detail::count_code_points(out) >= 4) std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

TagMap categorize_all(const std::vector<std::string>& tags, const CategoryLists& lists) {
  TagMap map;
  for (const std::string& tag : tags) {
    const std::string_view trimmed = detail::trim(tag);
    if (trimmed.empty()) continue;
    const Category category = categorize(trimmed, lists);
    map[category].push_back(category == Category::general ? normalize_tag(trimmed) : std::string(trimmed));
  }
  return map;
}

}  // namespace nanollama::tags
