// The text side of tag generation, with no model involved: A1111 prompt parsing, tag
// categories, DanTagGen's exact prompt, ban patterns, and output formatting.
//
// Everything here is a pure function of its inputs, safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace nanollama::tags {

// ---------------------------------------------------------------------------------------
// A1111 prompt syntax

// One comma-separated tag of a web UI prompt.
struct PromptTag {
  std::string text;          // unescaped, trimmed: "hatsune miku (cosplay)" for "hatsune miku \(cosplay\)"
  double weight = 1.0;       // attention: (x) 1.1, [x] 1/1.1, (x:1.3) 1.3; nested weights multiply
  bool break_after = false;  // a BREAK keyword followed this tag
  // Prompt editing / alternation ([a:b:0.5], [a:0.5], [a|b]) cannot be split into tags; such
  // a piece is kept verbatim (text holds the source) and passes through to the output.
  bool verbatim = false;
};

struct ParsedPrompt {
  std::vector<PromptTag> tags;
  std::vector<std::string> networks;  // extra networks, verbatim and in order: "<lora:name:0.8>"
};

// Never throws on odd input: unbalanced brackets close at the end, a stray backslash is kept.
ParsedPrompt parse_a1111_prompt(std::string_view prompt);

// ---------------------------------------------------------------------------------------
// Categories

enum class Category { rating, quality, special, artist, characters, copyrights, meta, general };
inline constexpr std::array kAllCategories = {Category::rating,     Category::quality,    Category::special,
                                              Category::artist,     Category::characters, Category::copyrights,
                                              Category::meta,       Category::general};

std::string_view category_name(Category c) noexcept;  // "rating", ..., "characters", "general"
std::optional<Category> parse_category(std::string_view name) noexcept;

// User-supplied lists (one tag per line files), matched with underscores as spaces.
struct CategoryLists {
  std::unordered_set<std::string> artist, characters, copyrights, meta;
  // Adds every non-empty line of `path`; throws Error(io) naming the file.
  void load(Category category, const std::string& path);
  void add(Category category, std::string_view tag);
};

// Built-in rating, quality and special lists (DANTAGGEN.md), then the user lists, else general.
Category categorize(std::string_view tag, const CategoryLists& lists);

// Trims and turns underscores into spaces (tags shorter than 4 characters, such as "^_^",
// keep their underscores).
std::string normalize_tag(std::string_view tag);

// Tags grouped by category, each list in input order.
struct TagMap {
  std::array<std::vector<std::string>, kAllCategories.size()> lists;
  std::vector<std::string>& operator[](Category c) { return lists[static_cast<size_t>(c)]; }
  const std::vector<std::string>& operator[](Category c) const { return lists[static_cast<size_t>(c)]; }
};
TagMap categorize_all(const std::vector<std::string>& tags, const CategoryLists& lists);

// ---------------------------------------------------------------------------------------
// DanTagGen prompt

enum class Target { very_short, short_, long_, very_long };
std::string_view target_name(Target t) noexcept;        // "very_short", "short", "long", "very_long"
std::optional<Target> parse_target(std::string_view name) noexcept;
std::string_view target_token(Target t) noexcept;        // "<|very_short|>" ... "<|very_long|>"
// Fewest tags (input special + general + new) a target asks for: 8, 16, 32, 48.
int32_t target_min_tags(Target t) noexcept;

struct DtgPromptFields {
  std::vector<std::string> quality, rating, artist, characters, copyrights, special, general;
  double aspect_ratio = 1.0;  // width / height, written with one decimal
  Target target = Target::long_;
  bool quality_line = false;  // delta models: a first line "quality: ..." (empty when none)
};

// The exact prompt DanTagGen was trained on (DANTAGGEN.md), ending in <|input_end|>.
std::string build_dtg_prompt(const DtgPromptFields& fields);

// ---------------------------------------------------------------------------------------
// Bans

// A ban list. Each pattern is one of:
//   - a regular expression, matched at the start of the tag (Python's re.match, as the
//     reference tools do): written /.../ or re:..., or recognised by regex syntax such as
//     ".*", "\", "|", a leading "^" or a trailing "$";
//   - a wildcard, when it has "*": any characters, also matched at the start;
//   - plain text otherwise: the tag itself, or the tag followed by more words
//     ("umbrella" bans "umbrella stand", not "umbrellas").
// Plain text and wildcards ignore case and treat underscores as spaces.
class BanList {
 public:
  BanList() = default;
  // Throws Error(invalid_argument) naming a pattern that is not a valid regular expression.
  explicit BanList(const std::vector<std::string>& patterns);
  // Splits a comma-separated list ("umbrella, official.*, *text").
  static BanList parse(std::string_view comma_separated);

  bool matches(std::string_view tag) const;
  bool empty() const noexcept { return patterns_.empty(); }
  size_t size() const noexcept { return patterns_.size(); }

 private:
  struct Pattern {
    std::string source;
    std::regex regex;  // compiled form of every kind
  };
  std::vector<Pattern> patterns_;
};

// ---------------------------------------------------------------------------------------
// Output formatting

// The web UI extension's default template.
inline constexpr std::string_view kDefaultTemplate =
    "<|special|>,\n<|characters|>, <|copyrights|>,\n<|artist|>,\n\n<|general|>,\n\n<|quality|>, <|meta|>, <|rating|>";

// One output tag: text plus what the input said about it.
struct FormattedTag {
  std::string text;
  double weight = 1.0;
  bool break_after = false;
  bool verbatim = false;
};

// A1111 form of one tag: parentheses escaped ("\(" "\)") unless verbatim, "(tag:1.2)" when
// weighted (weights printed with at most 4 decimals), then " BREAK" if break_after.
std::string format_tag(const FormattedTag& tag);

// Fills `template_text`'s <|category|> placeholders with the tags of each category joined by
// ", "; an empty category removes its placeholder and the comma after it; blank runs and
// empty lines left behind are tidied. Networks are appended on a last line.
std::string apply_template(std::string_view template_text,
                           const std::array<std::vector<FormattedTag>, kAllCategories.size()>& by_category,
                           const std::vector<std::string>& networks);

}  // namespace nanollama::tags
