// SPDX-License-Identifier: Apache-2.0
// Metadata values: type names, shapes, and the readable rendering `inspect` prints.
#include <cstdio>
#include <sstream>

#include "nanollama/gguf.h"

namespace nanollama::gguf {
namespace {

// Storage alternatives 0..11 are the scalars in ValueType order, skipping ARRAY (9);
// alternatives 12..23 are arrays of the same element types.
ValueType type_of_scalar_index(size_t index) {
  return static_cast<ValueType>(index < 9 ? index : index + 1);
}

void append_escaped(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

template <class T>
void append_scalar(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    append_escaped(out, v);
  } else if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_floating_point_v<T>) {
    std::ostringstream s;
    s.precision(std::is_same_v<T, float> ? 9 : 17);
    s << v;
    out += s.str();
  } else {
    out += std::to_string(v);
  }
}

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

}  // namespace

std::string_view value_type_name(ValueType type) noexcept {
  switch (type) {
    case ValueType::UINT8: return "u8";
    case ValueType::INT8: return "i8";
    case ValueType::UINT16: return "u16";
    case ValueType::INT16: return "i16";
    case ValueType::UINT32: return "u32";
    case ValueType::INT32: return "i32";
    case ValueType::FLOAT32: return "f32";
    case ValueType::BOOL: return "bool";
    case ValueType::STRING: return "string";
    case ValueType::ARRAY: return "array";
    case ValueType::UINT64: return "u64";
    case ValueType::INT64: return "i64";
    case ValueType::FLOAT64: return "f64";
  }
  return "unknown";
}

ValueType Value::type() const noexcept {
  return is_array() ? ValueType::ARRAY : type_of_scalar_index(storage_.index());
}

ValueType Value::element_type() const noexcept {
  const size_t i = storage_.index();
  return type_of_scalar_index(i >= kFirstArrayIndex ? i - kFirstArrayIndex : i);
}

size_t Value::size() const noexcept {
  return std::visit(
      [](const auto& v) -> size_t {
        if constexpr (IsVector<std::decay_t<decltype(v)>>::value) {
          return v.size();
        } else {
          return 1;
        }
      },
      storage_);
}

std::string Value::to_string(size_t max_items) const {
  std::string out;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (IsVector<T>::value) {
          out += '[';
          const size_t shown = std::min(max_items, v.size());
          for (size_t i = 0; i < shown; ++i) {
            if (i) out += ", ";
            append_scalar(out, static_cast<typename T::value_type>(v[i]));
          }
          if (shown < v.size()) out += (shown ? ", ... (" : "... (") + std::to_string(v.size()) + " items)";
          out += ']';
        } else {
          append_scalar(out, v);
        }
      },
      storage_);
  return out;
}

std::string TensorInfo::shape_string() const {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(dims[i]);
  }
  return out + "]";
}

}  // namespace nanollama::gguf
