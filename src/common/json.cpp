// SPDX-License-Identifier: Apache-2.0
#include "nanollama/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "common/utf8_check.h"
#include "nanollama/error.h"

namespace nanollama::json {
namespace {

[[noreturn]] void fail(std::string_view what, std::string_view expected, const Value& v) {
  throw Error(ErrorCode::invalid_argument,
              std::string(what) + " must be " + std::string(expected) + ", got " + v.kind_name());
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (pos_ != s_.size()) error("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw Error(ErrorCode::invalid_argument, "JSON: " + what + " at byte " + std::to_string(pos_));
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value value(int depth) {
    if (depth > 512) error("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) error("unexpected end of input");
    switch (s_[pos_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return Value(string());
      case 't':
        if (consume("true")) return Value(true);
        break;
      case 'f':
        if (consume("false")) return Value(false);
        break;
      case 'n':
        if (consume("null")) return Value();
        break;
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return number();
    }
    error("unexpected character");
  }

  Value object(int depth) {
    ++pos_;
    Object members;
    std::unordered_set<std::string> seen;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    for (;;) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') error("expected a member name");
      std::string key = string();
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') error("expected ':'");
      ++pos_;
      // A key given twice would be read one way by find() (the first) and another by code
      // walking the members (the last): refused, so every reader sees the same request.
      // (A set, so that an object of many members stays linear.)
      if (!seen.insert(key).second) error("duplicate member name " + quote(key));
      members.emplace_back(std::move(key), value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Value(std::move(members));
      }
      error("expected ',' or '}'");
    }
  }

  Value array(int depth) {
    ++pos_;
    Array items;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    for (;;) {
      items.push_back(value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      error("expected ',' or ']'");
    }
  }

  Value number() {
    const size_t start = pos_;
    auto digits = [&] {
      size_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      error("malformed number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) error("malformed number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) error("malformed number");
    }
    return Value(Number{std::string(s_.substr(start, pos_ - start))});
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) error("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else error("bad \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) error("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) error("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            unsigned lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          // A lone surrogate cannot be UTF-8; it becomes U+FFFD.
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
          append_utf8(out, cp);
          break;
        }
        default: error("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Value::Value(double d) {
  if (!std::isfinite(d)) {
    v_ = nullptr;  // JSON has no NaN or infinity
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  v_ = Number{std::string(buf, res.ptr)};
}

const char* Value::kind_name() const {
  switch (v_.index()) {
    case 0: return "null";
    case 1: return "a boolean";
    case 2: return "a number";
    case 3: return "a string";
    case 4: return "an array";
    default: return "an object";
  }
}

bool Value::as_bool(std::string_view what) const {
  if (!is_bool()) fail(what, "true or false", *this);
  return std::get<bool>(v_);
}

double Value::as_double(std::string_view what) const {
  if (!is_number()) fail(what, "a number", *this);
  return std::strtod(std::get<Number>(v_).text.c_str(), nullptr);
}

int64_t Value::as_int(std::string_view what) const {
  if (!is_number()) fail(what, "a whole number", *this);
  const std::string& t = std::get<Number>(v_).text;
  int64_t out = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), out);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size()) {
    throw Error(ErrorCode::invalid_argument,
                std::string(what) + " must be a whole number in range, got " + t);
  }
  return out;
}

uint64_t Value::as_uint(std::string_view what) const {
  if (!is_number()) fail(what, "a whole non-negative number", *this);
  const std::string& t = std::get<Number>(v_).text;
  uint64_t out = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), out);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size()) {
    throw Error(ErrorCode::invalid_argument,
                std::string(what) + " must be a whole non-negative number in range, got " + t);
  }
  return out;
}

const std::string& Value::as_string(std::string_view what) const {
  if (!is_string()) fail(what, "a string", *this);
  return std::get<std::string>(v_);
}

const Array& Value::as_array(std::string_view what) const {
  if (!is_array()) fail(what, "an array", *this);
  return std::get<Array>(v_);
}

const Object& Value::as_object(std::string_view what) const {
  if (!is_object()) fail(what, "an object", *this);
  return std::get<Object>(v_);
}

const std::string& Value::number_text() const {
  static const std::string empty;
  const auto* n = std::get_if<Number>(&v_);
  return n ? n->text : empty;
}

const Value* Value::find(std::string_view key) const {
  const auto* obj = std::get_if<Object>(&v_);
  if (obj == nullptr) return nullptr;
  for (const auto& [k, v] : *obj) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::set(std::string key, Value value) {
  if (is_null()) v_ = Object{};
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  obj.emplace_back(std::move(key), std::move(value));
}

Value parse(std::string_view text) {
  const size_t bad = utf8::first_invalid(text);
  if (bad != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument, "JSON: invalid UTF-8 at byte " + std::to_string(bad));
  }
  return Parser(text).document();
}

std::string quote(std::string_view raw) {
  // Bytes that are not UTF-8 become U+FFFD: the output is valid for strict readers whatever
  // text a caller (or a model's byte tokens) produced.
  const bool valid = utf8::first_invalid(raw) == std::string_view::npos;
  const std::string fixed = valid ? std::string() : utf8::sanitized(raw);
  const std::string_view s = valid ? raw : std::string_view(fixed);
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

namespace {

void write_value(std::string& out, const Value& v) {
  if (v.is_null()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_string()) {
    out += quote(v.as_string());
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& item : v.as_array()) {
      if (!first) out += ',';
      first = false;
      write_value(out, item);
    }
    out += ']';
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [k, item] : v.as_object()) {
      if (!first) out += ',';
      first = false;
      out += quote(k);
      out += ':';
      write_value(out, item);
    }
    out += '}';
  } else {
    out += v.number_text();
  }
}

}  // namespace

std::string dump(const Value& value) {
  std::string out;
  write_value(out, value);
  return out;
}

}  // namespace nanollama::json
