// SPDX-License-Identifier: Apache-2.0
// A1111 prompt syntax -> tags. Three passes: extra networks are cut out; a lexer turns the
// rest into weighted text, verbatim pieces, separators and BREAKs (weights applied when a
// bracket closes, the way A1111 does, so "(a:1.3)" needs no look-ahead); then the items
// between separators become tags.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

constexpr double kRoundMultiplier = 1.1;
constexpr double kSquareMultiplier = 1 / 1.1;

using detail::is_word_byte;

bool is_escapable(char c) noexcept { return c == '(' || c == ')' || c == '[' || c == ']' || c == '\\'; }

// Extra networks, A1111's <name:args>: a word, a colon, then anything up to the next '>'.
std::string cut_networks(std::string_view prompt, std::vector<std::string>& networks) {
  std::string rest;
  rest.reserve(prompt.size());
  size_t i = 0;
  while (i < prompt.size()) {
    if (prompt[i] == '<') {
      size_t j = i + 1;
      while (j < prompt.size() && is_word_byte(prompt[j])) ++j;
      if (j > i + 1 && j + 1 < prompt.size() && prompt[j] == ':' && prompt[j + 1] != '>') {
        const size_t close = prompt.find('>', j + 1);
        if (close != std::string_view::npos) {
          networks.emplace_back(prompt.substr(i, close - i + 1));
          i = close + 1;
          continue;
        }
      }
    }
    rest += prompt[i++];
  }
  return rest;
}

// For each '[': where its matching ']' is, and whether a ':' or '|' sits directly inside it
// (not inside nested brackets or parentheses), which makes it prompt editing or alternation.
// Only what lies between the brackets decides, so a verbatim piece written out alone is
// recognised again.
struct SquareInfo {
  size_t close = std::string::npos;
  bool editing = false;
};

std::vector<SquareInfo> scan_squares(std::string_view s) {
  struct Open {
    size_t pos;
    int parens;  // opened inside this bracket and not closed yet
    bool editing;
  };
  std::vector<SquareInfo> info(s.size());
  std::vector<Open> open;
  for (size_t i = 0; i < s.size(); ++i) {
    switch (s[i]) {
      case '\\':
        if (i + 1 < s.size() && is_escapable(s[i + 1])) ++i;
        break;
      case '(':
        if (!open.empty()) ++open.back().parens;
        break;
      case ')':
        if (!open.empty() && open.back().parens > 0) --open.back().parens;
        break;
      case '[': open.push_back({i, 0, false}); break;
      case ']':
        if (!open.empty()) {
          info[open.back().pos] = {i, open.back().editing};
          open.pop_back();
        }
        break;
      case ':':
      case '|':
        if (!open.empty() && open.back().parens == 0) open.back().editing = true;
        break;
      default: break;
    }
  }
  return info;
}

// A1111's explicit weight ":1.3)" (spaces allowed around the number) starting at s[i] == ':'.
// Returns the weight and sets `end` past the ')'. A number Python's float() would reject
// ("1.2.3", ".") is no weight here (A1111 raises on it).
std::optional<double> read_weight(std::string_view s, size_t i, size_t& end) {
  size_t j = i + 1;
  while (j < s.size() && detail::is_space(s[j])) ++j;
  bool negative = false;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) negative = s[j++] == '-';
  const size_t number = j;
  size_t digits = 0;
  size_t dots = 0;
  while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) {
    (s[j] == '.' ? dots : digits) += 1;
    ++j;
  }
  const size_t number_end = j;
  while (j < s.size() && detail::is_space(s[j])) ++j;
  if (digits == 0 || dots > 1 || j >= s.size() || s[j] != ')') return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data() + number, s.data() + number_end, value);
  if (ec != std::errc{} || ptr != s.data() + number_end || !std::isfinite(value)) return std::nullopt;
  end = j + 1;
  return negative ? -value : value;
}

enum class Kind { text, raw, separator, brk };
struct Item {
  Kind kind;
  std::string text;  // unescaped for text, source for raw
  double weight = 1.0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s), squares_(scan_squares(s)) {}

  std::vector<Item> run() {
    size_t i = 0;
    while (i < s_.size()) i = step(i);
    for (size_t start : round_) multiply(start, kRoundMultiplier);
    for (size_t start : square_) multiply(start, kSquareMultiplier);
    return std::move(items_);
  }

 private:
  size_t step(size_t i) {
    const char c = s_[i];
    switch (c) {
      case '\\':
        if (i + 1 < s_.size() && is_escapable(s_[i + 1])) {
          add_char(s_[i + 1]);
          return i + 2;
        }
        add_char(c);  // a stray backslash is kept: Danbooru has tags such as "\m/"
        return i + 1;
      case '(':
        open(round_);
        return i + 1;
      case ')':
        if (!round_.empty()) return close(round_, kRoundMultiplier, i + 1);
        break;
      case '[': {
        const SquareInfo& info = squares_[i];
        if (info.editing && info.close != std::string::npos) {
          items_.push_back({Kind::raw, std::string(s_.substr(i, info.close - i + 1)), 1.0});
          return info.close + 1;
        }
        open(square_);
        return i + 1;
      }
      case ']':
        if (!square_.empty()) return close(square_, kSquareMultiplier, i + 1);
        break;
      case ':': {
        size_t end = 0;
        if (!round_.empty()) {
          if (const auto weight = read_weight(s_, i, end)) return close(round_, *weight, end);
        }
        break;
      }
      case ',':
      case '\n':
      case '\r':
        items_.push_back({Kind::separator, {}, 1.0});
        return i + 1;
      case 'B':
        if (s_.compare(i, 5, "BREAK") == 0 && (i == 0 || !is_word_byte(s_[i - 1])) &&
            (i + 5 >= s_.size() || !is_word_byte(s_[i + 5]))) {
          items_.push_back({Kind::brk, {}, 1.0});
          return i + 5;
        }
        break;
      default: break;
    }
    add_char(c);
    return i + 1;
  }

  void add_char(char c) {
    if (fresh_ || items_.empty() || items_.back().kind != Kind::text) items_.push_back({Kind::text, {}, 1.0});
    fresh_ = false;
    items_.back().text += c;
  }

  void open(std::vector<size_t>& stack) {
    stack.push_back(items_.size());
    fresh_ = true;
  }

  size_t close(std::vector<size_t>& stack, double factor, size_t next) {
    multiply(stack.back(), factor);
    stack.pop_back();
    fresh_ = true;
    return next;
  }

  void multiply(size_t start, double factor) {
    for (size_t k = start; k < items_.size(); ++k) items_[k].weight *= factor;
  }

  std::string_view s_;
  std::vector<SquareInfo> squares_;
  std::vector<Item> items_;
  std::vector<size_t> round_, square_;  // item index where each open bracket starts
  bool fresh_ = true;                   // the next character starts a new text item
};

bool is_blank(const Item& item) { return item.kind == Kind::text && detail::trim(item.text).empty(); }

// Writes `piece` (A1111 syntax) at weight `key`, keeping its outer whitespace outside.
void append_weighted(std::string& out, const std::string& piece, const std::string& key) {
  const std::string_view core = detail::trim(piece);
  if (key == "1" || core.empty()) {
    out += piece;
    return;
  }
  const size_t lead = static_cast<size_t>(core.data() - piece.data());
  out.append(piece, 0, lead);
  out += '(';
  out += core;
  out += ':';
  out += key;
  out += ')';
  out.append(piece, lead + core.size());
}

// One tag from the items between two separators. A tag of plain text at one weight is
// unescaped text; anything else (a prompt-editing piece, or parts at different weights
// such as "a (b) c") is rebuilt as A1111 syntax and marked verbatim.
std::optional<PromptTag> make_tag(const std::vector<const Item*>& parts) {
  const Item* first = nullptr;
  bool has_raw = false;
  bool one_weight = true;
  std::string first_key;
  for (const Item* item : parts) {
    if (is_blank(*item)) continue;
    has_raw = has_raw || item->kind == Kind::raw;
    const std::string key = detail::weight_key(item->weight);
    if (first == nullptr) {
      first = item;
      first_key = key;
    } else if (key != first_key) {
      one_weight = false;
    }
  }
  if (first == nullptr) return std::nullopt;

  PromptTag tag;
  if (one_weight && !has_raw) {
    std::string text;
    for (const Item* item : parts) text += item->text;
    tag.text = detail::collapse_spaces(detail::trim(text));
    tag.weight = first->weight;
    return tag;
  }
  tag.verbatim = true;
  std::string out;
  if (one_weight) {
    for (const Item* item : parts) out += item->kind == Kind::raw ? item->text : detail::escape_a1111(item->text);
    tag.weight = first->weight;
  } else {
    // Runs of one weight; blank text joins the run before it.
    std::string run;
    std::string run_key;
    for (const Item* item : parts) {
      const std::string piece = item->kind == Kind::raw ? item->text : detail::escape_a1111(item->text);
      if (is_blank(*item)) {
        run += piece;
        continue;
      }
      const std::string key = detail::weight_key(item->weight);
      if (!run.empty() && key != run_key) {
        append_weighted(out, run, run_key);
        run.clear();
      }
      run += piece;
      run_key = key;
    }
    append_weighted(out, run, run_key);
  }
  tag.text = std::string(detail::trim(out));
  detail::defuse_networks(tag.text);
  return tag;
}

}  // namespace

ParsedPrompt parse_a1111_prompt(std::string_view prompt) {
  ParsedPrompt parsed;
  const std::string rest = cut_networks(prompt, parsed.networks);
  const std::vector<Item> items = Lexer(rest).run();

  std::vector<const Item*> parts;
  auto flush = [&] {
    if (auto tag = make_tag(parts)) parsed.tags.push_back(std::move(*tag));
    parts.clear();
  };
  for (const Item& item : items) {
    switch (item.kind) {
      case Kind::text:
      case Kind::raw: parts.push_back(&item); break;
      case Kind::separator: flush(); break;
      case Kind::brk:
        flush();
        if (!parsed.tags.empty()) parsed.tags.back().break_after = true;  // a leading BREAK breaks nothing
        break;
    }
  }
  flush();
  return parsed;
}

}  // namespace nanollama::tags
