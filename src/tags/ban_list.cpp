// SPDX-License-Identifier: Apache-2.0
// Ban patterns: Python regular expressions matched at the tag's start, as DanTagGen's front
// ends apply them (re.match), through PCRE2; plus exact tags and globs behind a prefix.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {

struct BanList::Pattern {
  enum class Kind { regex, exact, glob };
  std::string source;
  Kind kind = Kind::regex;
  std::string key;  // exact: the tag's comparison form
  std::shared_ptr<pcre2_code> code;
  // A glob that ends in "*" is compiled without an end anchor, so a prefix can prove it.
  bool open_end = false;
};

namespace {

constexpr std::string_view kExact = "exact:", kGlob = "glob:";

// Bounds on one match (steps and backtracking depth): tags are short, so only a pattern
// that backtracks exponentially reaches them.
constexpr uint32_t kMatchLimit = 1'000'000, kDepthLimit = 10'000;

pcre2_match_context* match_context() {
  // pcre2_match reads it only, so one context serves every thread.
  static auto* context = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    if (c != nullptr) {
      pcre2_set_match_limit(c, kMatchLimit);
      pcre2_set_depth_limit(c, kDepthLimit);
    }
    return c;
  }();
  return context;
}

// One ovector pair is enough (only success matters); one block per thread, made once.
pcre2_match_data* match_data() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  return n < 0 ? "error " + std::to_string(code) : std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

// Python's spellings that PCRE2 reads otherwise: \Z is the very end (PCRE2's \z; PCRE2's
// \Z also matches before a final newline), and {,n} is {0,n} (PCRE2 10.42 reads it as text).
std::string python_to_pcre2(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += (!in_class && p[i + 1] == 'Z') ? 'z' : p[i + 1];
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];  // a leading ] is literal
      continue;
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {
      size_t j = i + 2;
      while (j < p.size() && p[j] >= '0' && p[j] <= '9') ++j;
      if (j > i + 2 && j < p.size() && p[j] == '}') {
        out += "{0";
        continue;  // the comma and digits follow as they are
      }
    }
    out += c;
  }
  return out;
}

std::string glob_to_pcre2(std::string_view key, bool& open_end) {
  std::string out;
  open_end = !key.empty() && key.back() == '*';
  for (char c : key) {
    if (c == '*') {
      if (out.size() < 2 || out.compare(out.size() - 2, 2, ".*") != 0) out += ".*";
      continue;
    }
    if (std::string_view("\\^$.|?+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  // Anchored at the start, a pattern ending in ".*" needs nothing after its last literal:
  // without it a matched prefix proves every completion (bans_every_completion).
  if (open_end) {
    out.resize(out.size() - 2);
  } else {
    out += "\\z";
  }
  return out;
}

std::shared_ptr<pcre2_code> compile(const std::string& source, const std::string& expression) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(expression.data()), expression.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (code == nullptr) {
    throw Error(ErrorCode::invalid_argument, "ban pattern '" + source + "' is not a valid regular expression: " +
                                                 pcre2_message(error) + " (at offset " + std::to_string(offset) + ")");
  }
  return std::shared_ptr<pcre2_code>(code, pcre2_code_free);
}

enum class Outcome { match, no_match, partial };

Outcome run(const pcre2_code* code, const std::string& source, std::string_view subject, uint32_t extra_options) {
  const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                             PCRE2_ANCHORED | extra_options, match_data(), match_context());
  if (rc >= 0) return Outcome::match;
  if (rc == PCRE2_ERROR_NOMATCH) return Outcome::no_match;
  if (rc == PCRE2_ERROR_PARTIAL) return Outcome::partial;
  if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) return Outcome::no_match;  // not text a tag can be
  throw Error(ErrorCode::invalid_argument, "ban pattern '" + source + "' could not be matched against '" +
                                               std::string(subject) + "': " + pcre2_message(rc));
}

}  // namespace

std::vector<std::string> split_ban_patterns(std::string_view s) {
  std::vector<std::string> patterns;
  std::string current;
  int depth = 0;
  auto flush = [&] {
    const std::string_view t = detail::trim(current);
    if (!t.empty()) patterns.emplace_back(t);
    current.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      current += c;
      current += s[++i];
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return patterns;
}

BanList::BanList() = default;

BanList::BanList(const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    const std::string_view p = detail::trim(pattern);
    if (p.empty()) continue;
    auto out = std::make_shared<Pattern>();
    out->source = std::string(p);
    if (p.substr(0, kExact.size()) == kExact) {
      out->kind = Pattern::Kind::exact;
      out->key = detail::match_key(p.substr(kExact.size()));
      if (out->key.empty()) throw Error(ErrorCode::invalid_argument, "ban pattern '" + out->source + "' names no tag");
    } else if (p.substr(0, kGlob.size()) == kGlob) {
      out->kind = Pattern::Kind::glob;
      const std::string key = detail::match_key(p.substr(kGlob.size()));
      if (key.find_first_not_of('*') == std::string::npos) {
        throw Error(ErrorCode::invalid_argument, "ban pattern '" + out->source + "' would ban every tag");
      }
      out->code = compile(out->source, glob_to_pcre2(key, out->open_end));
    } else {
      out->code = compile(out->source, python_to_pcre2(p));
      // KGen would ban every tag with it (re.match always finds the empty match): far more
      // likely a mistake than a wish.
      if (run(out->code.get(), out->source, "", 0) == Outcome::match) {
        throw Error(ErrorCode::invalid_argument, "ban pattern '" + out->source +
                                                     "' matches the empty text, so it would ban every tag");
      }
    }
    patterns_.push_back(std::move(out));
  }
}

BanList BanList::parse(std::string_view comma_separated) { return BanList(split_ban_patterns(comma_separated)); }

bool BanList::matches(std::string_view tag) const {
  if (patterns_.empty()) return false;
  const std::string_view as_written = detail::trim(tag);
  std::string key;
  for (const auto& p : patterns_) {
    if (p->kind == Pattern::Kind::regex) {
      if (run(p->code.get(), p->source, as_written, 0) == Outcome::match) return true;
      continue;
    }
    if (key.empty()) key = detail::match_key(tag);
    if (p->kind == Pattern::Kind::exact ? key == p->key : run(p->code.get(), p->source, key, 0) == Outcome::match) return true;
  }
  return false;
}

// With PCRE2_PARTIAL_HARD a match is reported only if it was found before the matcher ever
// needed to look past the end of the text (the end, $, \b, \z and lookaheads there count as
// "needs more"); the same steps then succeed for any longer text, so every completion matches.
bool BanList::bans_every_completion(std::string_view prefix) const {
  if (patterns_.empty() || prefix.empty() || detail::is_space(prefix.back())) return false;
  const std::string_view as_written = detail::trim(prefix);
  if (as_written.empty()) return false;
  for (const auto& p : patterns_) {
    if (p->kind == Pattern::Kind::regex) {
      if (run(p->code.get(), p->source, as_written, PCRE2_PARTIAL_HARD) == Outcome::match) return true;
    } else if (p->kind == Pattern::Kind::glob && p->open_end) {
      if (run(p->code.get(), p->source, detail::match_key(prefix), PCRE2_PARTIAL_HARD) == Outcome::match) return true;
    }
  }
  return false;
}

}  // namespace nanollama::tags
