// SPDX-License-Identifier: Apache-2.0
// The text side of tag generation, with no model involved: A1111 prompt parsing, tag
// categories, DanTagGen's exact prompt, ban patterns, and output formatting.
//
// Everything here but CategoryLists::load is a pure function of its inputs; const objects
// may be shared between threads. Errors are nanollama::Error (error.h).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace nanollama::tags {

// ---------------------------------------------------------------------------------------
// A1111 prompt syntax

// One tag of a web UI prompt: the text between two commas (or line breaks, or BREAKs).
struct PromptTag {
  // Unescaped, trimmed, inner whitespace runs as one space: "hatsune miku (cosplay)" for
  // "hatsune miku \(cosplay\)". Verbatim tags hold A1111 syntax instead (see below).
  std::string text;
  double weight = 1.0;       // attention: (x) 1.1, [x] 1/1.1, (x:1.3) 1.3; nested weights multiply
  bool break_after = false;  // a BREAK keyword followed this tag
  // Verbatim: the tag is not plain text at one weight. It holds prompt editing or
  // alternation ([a:b:0.5], [a:0.5], [a::0.5], [a|b]; commas inside stay in it), or parts
  // at different weights ("a (b) c"). Its text is then A1111 syntax meaning what the input
  // meant ("[a:b:0.5]", "a (b:1.1) c"; "<word:" written as format_tag does), `weight`
  // applies to the whole, and it passes to the output unchanged. It is no Danbooru tag:
  // keep it out of the model's prompt and of categorization.
  bool verbatim = false;
};

struct ParsedPrompt {
  std::vector<PromptTag> tags;
  std::vector<std::string> networks;  // extra networks, verbatim and in order: "<lora:name:0.8>"
};

// Extra networks are cut out first; the rest follows A1111's attention rules ("\(" "\)" "\["
// "\]" "\\" are literal characters, ":1.3)" closes the innermost open "(", a stray ")" or "]"
// is text). Commas and line breaks separate tags; a BREAK word (not part of a longer word)
// separates them too and sets break_after on the tag before it (a leading BREAK is dropped).
// Empty tags are dropped. Never throws on odd input: unbalanced brackets close at the end
// (A1111's rule), a stray backslash is kept, a malformed weight is text.
ParsedPrompt parse_a1111_prompt(std::string_view prompt);

// ---------------------------------------------------------------------------------------
// Categories

enum class Category { rating, quality, special, artist, characters, copyrights, meta, general };
inline constexpr std::array kAllCategories = {Category::rating,     Category::quality,    Category::special,
                                              Category::artist,     Category::characters, Category::copyrights,
                                              Category::meta,       Category::general};

std::string_view category_name(Category c) noexcept;  // "rating", ..., "characters", "general"

// The names above, and the aliases "artists", "character", "copyright".
std::optional<Category> parse_category(std::string_view name) noexcept;

// Lists of artist, character, copyright and meta tags (one tag per line files, KGen's
// tag-list layout). Tags are compared trimmed, with underscores as spaces, ignoring ASCII case
// and whitespace runs; add() and load() store entries in that form ("Hatsune_Miku" as
// "hatsune miku"). Only artist, characters, copyrights and meta take lists: add() and load()
// throw Error(invalid_argument) for the others.
struct CategoryLists {
  std::unordered_set<std::string> artist, characters, copyrights, meta;
  // Also look tags up in the built-in lists, after these: lists compiled into the library
  // (data/tag-lists, or what NANOLLAMA_TAG_LISTS_DIR named at build time; docs/TAGS.md,
  // "Category lists"). The lists above are additions to them and win where both know a tag.
  bool builtin = true;
  // Adds every non-empty line of `path` (a UTF-8 byte order mark and CRLF endings are fine);
  // throws Error(io) naming the file if it cannot be read.
  void load(Category category, const std::string& path);
  void add(Category category, std::string_view tag);
  // Adds every non-empty line of `text`, as load() does for a file's contents.
  void add_lines(Category category, std::string_view text);
};

struct SortedTag {
  Category category = Category::general;
  std::string text;
};

// A tag sorted into its category and written the way the model's prompt and the output
// carry it (KGen's seperate_tags, compared as CategoryLists says):
//   - rating, quality, special: the built-in lists (rating: safe, general, sensitive, nsfw,
//     explicit, sfw, questionable; quality: masterpiece ... score_9, score_8_up ...,
//     source_anime ...; special: 1girl ... multiple others), written in the list's form
//     ("Score 9" is written "score_9", "best_quality" "best quality");
//   - else artist, characters, copyrights, meta: the given lists in that order, then the
//     built-in ones (if lists.builtin), written in list form: lower case, underscores as
//     spaces ("Hatsune_Miku" -> "hatsune miku");
//   - else general, written by normalize_tag.
SortedTag sort_tag(std::string_view tag, const CategoryLists& lists);
Category categorize(std::string_view tag, const CategoryLists& lists);  // sort_tag's category

// Trims and turns underscores into spaces (tags shorter than 4 characters, such as "^_^",
// keep their underscores). General tags are written this way.
std::string normalize_tag(std::string_view tag);

// Tags grouped by category, each list in input order, written as sort_tag says; empty tags
// skipped.
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
// A name, the web UI extension's label ("very short", "Very Long": spaces or underscores,
// any ASCII case, trimmed) or a token ("<|very_long|>").
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

// The exact prompt DanTagGen was trained on (KGen's apply_dtg_prompt; docs/TAGS.md), ending
// in <|input_end|>. Tags are written as given (categorize_all's output is ready); meta tags
// have no place in it. Throws Error(invalid_argument)
// if the aspect ratio is not a positive finite number.
std::string build_dtg_prompt(const DtgPromptFields& fields);

// ---------------------------------------------------------------------------------------
// Bans

// Splits a comma-separated ban setting (the CLI's --ban, a JSON string, the C API's field)
// into patterns: commas inside (), [] or {} and escaped commas ("\,") stay in their
// pattern ("x{1,3}"); pieces are trimmed and empty ones dropped.
std::vector<std::string> split_ban_patterns(std::string_view comma_separated);

// A ban list, with the semantics of DanTagGen's front ends (KGen's re.match) by default.
// Each pattern (trimmed; empty ones are skipped) is one of:
//   - a Python regular expression (the default), matched at the start of the tag as the
//     model wrote it, case-sensitive: "hat" bans "hat", "hats" and "hatsune miku";
//     "[a-z]+", "gloves?", "x{2}", "(?i)umbrella", "(?<!a)b", "(?P<n>x)(?P=n)", "\w"
//     (Unicode) all work (PCRE2 with Python's meaning of \Z and {,n});
//   - "exact:TAG", that tag only, compared with underscores as spaces, ASCII case ignored
//     and runs of spaces as one: "exact:long_hair" bans "long hair", not "long hair ornament";
//   - "glob:PATTERN", the whole tag against a pattern where "*" is any text, compared as
//     exact: does: "glob:*text" bans "english text", "glob:blue*" bans "blue hair".
// A pattern that is not a valid expression, or one that matches the empty string (it would
// ban every tag), is an Error(invalid_argument) naming it. Matching is bounded: a pattern
// that backtracks without end on some tag is an Error(invalid_argument) at that tag.
// A BanList is immutable once built; any number of threads may use it.
class BanList {
 public:
  BanList();
  explicit BanList(const std::vector<std::string>& patterns);
  // BanList(split_ban_patterns(comma_separated)).
  static BanList parse(std::string_view comma_separated);

  bool matches(std::string_view tag) const;
  // True if every tag that begins with `prefix` is banned, whatever follows (a regular
  // expression that already matches without looking at the end, a glob ending in "*"):
  // generation then drops such a tag before finishing it. False when unsure.
  bool bans_every_completion(std::string_view prefix) const;
  bool empty() const noexcept { return patterns_.empty(); }
  size_t size() const noexcept { return patterns_.size(); }

 private:
  struct Pattern;
  std::vector<std::shared_ptr<const Pattern>> patterns_;
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

// A1111 form of one tag: unless verbatim, ( ) [ ] and backslash escaped ("\(" "\)" "\["
// "\]" "\\"), so A1111 reads back exactly the text; "(tag:1.2)" when weighted (at most 4
// decimals, trailing zeros trimmed: 1.2100000000000002 is "1.21"; a weight that prints as
// 1 is no weight); then " BREAK" if break_after. Text that reads "<word:" is written
// "<word():" (A1111 reads "()" as nothing), since A1111 would take "<word:...>" for an extra
// network and has no escape for "<".
std::string format_tag(const FormattedTag& tag);

// Fills `template_text`'s <|category|> placeholders (category names, or the aliases of
// parse_category, any case) with the tags of each category through format_tag, joined by
// ", "; an empty category, or an unknown placeholder, is removed with the comma right
// after it. Then tidied: CRLF as LF, spaces at the start or end of a line removed, three or
// more newlines made two, space runs made one, whitespace and commas trimmed off both ends.
// Networks, if any, follow on a last line of their own, separated by single spaces
// ("<lora:x:0.8> <hypernet:y:1>").
std::string apply_template(std::string_view template_text,
                           const std::array<std::vector<FormattedTag>, kAllCategories.size()>& by_category,
                           const std::vector<std::string>& networks);

}  // namespace nanollama::tags
