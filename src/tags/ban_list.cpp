// Ban patterns: regular expressions as the reference tools use them (matched at the start
// of the tag), plus wildcards and plain text that need no regex knowledge.

// GCC 12 with -fsanitize=address reports -Wmaybe-uninitialized inside libstdc++'s regex
// compiler (std::function in its NFA states): a false positive in a system header. Silenced
// for that header only, which must therefore be included here first.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#endif

#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

constexpr std::string_view kCaseless = "(?i)";  // Python's inline flag, not in ECMAScript

bool looks_like_regex(std::string_view p) {
  return p.find(".*") != std::string_view::npos || p.find(".+") != std::string_view::npos ||
         p.find('\\') != std::string_view::npos || p.find('|') != std::string_view::npos || p.front() == '^' ||
         p.back() == '$';
}

std::string regex_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::regex compile(const std::string& source, const std::string& expression, bool caseless) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (caseless) flags |= std::regex::icase;
  try {
    return std::regex(expression, flags);
  } catch (const std::regex_error& e) {
    throw Error(ErrorCode::invalid_argument,
                "ban pattern '" + source + "' is not a valid regular expression (" + e.what() + ")");
  }
}

}  // namespace

BanList::BanList(const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    const std::string_view p = detail::trim(pattern);
    if (p.empty()) continue;
    const std::string source(p);

    std::optional<std::string_view> regex;
    if (p.size() >= 2 && p.front() == '/' && p.back() == '/') {
      regex = p.substr(1, p.size() - 2);
    } else if (p.substr(0, 3) == "re:") {
      regex = p.substr(3);
    } else if (looks_like_regex(p)) {
      regex = p;
    }

    if (regex) {
      std::string_view body = *regex;
      const bool caseless = body.substr(0, kCaseless.size()) == kCaseless;
      if (caseless) body.remove_prefix(kCaseless.size());
      // An empty expression would ban every tag: far more likely a typo than a wish.
      if (body.empty()) {
        throw Error(ErrorCode::invalid_argument, "ban pattern '" + source + "' is an empty regular expression");
      }
      patterns_.push_back({source, compile(source, std::string(body), caseless), false});
      continue;
    }

    const std::string key = detail::match_key(p);
    std::string expression;
    if (key.find('*') != std::string::npos) {
      for (size_t start = 0; start <= key.size();) {
        size_t star = key.find('*', start);
        if (star == std::string::npos) star = key.size();
        expression += regex_escape(std::string_view(key).substr(start, star - start));
        if (star < key.size() && (expression.size() < 2 || expression.compare(expression.size() - 2, 2, ".*") != 0)) {
          expression += ".*";
        }
        start = star + 1;
      }
    } else {
      expression = regex_escape(key) + "(?: |$)";  // the tag, or the tag and more words
    }
    patterns_.push_back({source, compile(source, expression, false), true});
  }
}

BanList BanList::parse(std::string_view comma_separated) {
  // Commas inside (), [] or {} belong to a regular expression such as "x{1,3}".
  std::vector<std::string> patterns;
  std::string current;
  int depth = 0;
  for (size_t i = 0; i < comma_separated.size(); ++i) {
    const char c = comma_separated[i];
    if (c == '\\' && i + 1 < comma_separated.size()) {
      current += c;
      current += comma_separated[++i];
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      patterns.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  patterns.push_back(std::move(current));
  return BanList(patterns);
}

bool BanList::matches(std::string_view tag) const {
  if (patterns_.empty()) return false;
  const std::string as_written(detail::trim(tag));
  const std::string key = detail::match_key(tag);
  for (const Pattern& pattern : patterns_) {
    const std::string& subject = pattern.on_key ? key : as_written;
    if (std::regex_search(subject, pattern.regex, std::regex_constants::match_continuous)) return true;
  }
  return false;
}

}  // namespace nanollama::tags
