// SPDX-License-Identifier: Apache-2.0
// A small JSON reader and writer (RFC 8259). nanollama uses it for tag requests and results
// (the driver's --json and --batch modes); it is public so embedders can do the same.
// Numbers keep their source text, so 64-bit integers (seeds, token ids) survive exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace nanollama::json {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;  // in document order

struct Number {
  std::string text;  // as written, e.g. "-12", "0.5e3"
  bool operator==(const Number&) const = default;
};

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int64_t n) : v_(Number{std::to_string(n)}) {}
  Value(uint64_t n) : v_(Number{std::to_string(n)}) {}
  Value(int n) : Value(static_cast<int64_t>(n)) {}
  Value(double d);
  Value(Number n) : v_(std::move(n)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<Number>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  const char* kind_name() const;

  // Typed access; throws Error(invalid_argument) naming `what` on a type mismatch.
  bool as_bool(std::string_view what = "value") const;
  double as_double(std::string_view what = "value") const;
  int64_t as_int(std::string_view what = "value") const;    // whole numbers only
  uint64_t as_uint(std::string_view what = "value") const;  // whole, non-negative
  const std::string& as_string(std::string_view what = "value") const;
  const Array& as_array(std::string_view what = "value") const;
  const Object& as_object(std::string_view what = "value") const;
  // The source text of a number ("" for other kinds).
  const std::string& number_text() const;

  // Object member lookup: nullptr if absent (or if this is not an object).
  const Value* find(std::string_view key) const;
  // Appends or replaces a member (this must be an object).
  void set(std::string key, Value value);

  bool operator==(const Value&) const = default;

 private:
  std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> v_ = nullptr;
};

// Parses one JSON document; throws Error(invalid_argument) with the byte offset of the
// first problem. Refused: text that is not well-formed UTF-8 (the offset of the first bad
// byte), an object naming a member twice, nesting deeper than 512 levels.
Value parse(std::string_view text);

// Compact serialisation (no spaces), strings escaped; non-ASCII UTF-8 is kept as is, and
// bytes that are not UTF-8 become U+FFFD, so the output is always valid UTF-8 JSON.
std::string dump(const Value& value);
// A JSON string literal for `s`, quotes included.
std::string quote(std::string_view s);

}  // namespace nanollama::json
