// SPDX-License-Identifier: Apache-2.0
// GgufFile::get<T>: typed, checked access to metadata values. Integer keys accept any
// integer type whose value fits, because converters write u32 or i32 for the same key.
#include <utility>

#include "nanollama/gguf.h"

namespace nanollama::gguf {
namespace {

template <class T>
constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {
  using element = T;
};

template <class T>
std::string_view expected_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (kIsInteger<T>) return "an integer";
  else if constexpr (std::is_floating_point_v<T>) return "a float";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "an array of strings";
  else if constexpr (std::is_same_v<T, std::vector<float>>) return "an array of numbers";
  else return "an array of integers";
}

class Converter {
 public:
  Converter(const GgufFile& file, std::string_view key) : file_(file), key_(key) {}

  [[noreturn]] void mismatch(const Value& v, std::string_view expected) const {
    std::string actual(value_type_name(v.type()));
    if (v.is_array()) actual = "array of " + std::string(value_type_name(v.element_type()));
    throw Error(ErrorCode::bad_format, file_.path() + ": metadata key '" + std::string(key_) + "' has type " +
                                           actual + ", expected " + std::string(expected));
  }

  [[noreturn]] void out_of_range(const std::string& value, std::string_view target) const {
    throw Error(ErrorCode::bad_format, file_.path() + ": metadata key '" + std::string(key_) + "' holds " + value +
                                           ", which does not fit in " + std::string(target));
  }

  // One scalar of the stored type S into T.
  template <class T, class S>
  bool scalar(const S& s, T& out) const {
    if constexpr (kIsInteger<T> && kIsInteger<S>) {
      if (!std::in_range<T>(s)) out_of_range(std::to_string(s), integer_name<T>());
      out = static_cast<T>(s);
      return true;
    } else if constexpr (std::is_floating_point_v<T> && (std::is_floating_point_v<S> || kIsInteger<S>)) {
      out = static_cast<T>(s);
      return true;
    } else if constexpr (std::is_same_v<T, S>) {  // bool, string
      out = s;
      return true;
    } else {
      return false;
    }
  }

  template <class T>
  T convert(const Value& v) const {
    T out{};
    const bool ok = std::visit([&](const auto& stored) { return assign(stored, out); }, v.storage());
    if (!ok) mismatch(v, expected_name<T>());
    return out;
  }

 private:
  // A stored scalar into a scalar target.
  template <class S, class T>
  bool assign(const S& stored, T& out) const {
    if constexpr (IsVector<S>::value) {
      return false;  // an array where a scalar was expected
    } else {
      return scalar(stored, out);
    }
  }
  // A stored array into a vector target. Float arrays take integer elements too (llama.cpp
  // accepts i32 scores); integer arrays take only integers.
  template <class S, class E>
  bool assign(const S& stored, std::vector<E>& out) const {
    if constexpr (!IsVector<S>::value) {
      return false;
    } else {
      using SE = typename IsVector<S>::element;
      constexpr bool convertible = (std::is_floating_point_v<E> && !std::is_same_v<SE, bool> &&
                                    !std::is_same_v<SE, std::string>) ||
                                   (kIsInteger<E> && kIsInteger<SE>) || std::is_same_v<E, SE>;
      if constexpr (convertible) {
        out.resize(stored.size());
        for (size_t i = 0; i < stored.size(); ++i) scalar(static_cast<SE>(stored[i]), out[i]);
        return true;
      } else {
        return false;
      }
    }
  }

  template <class T>
  static std::string_view integer_name() {
    if constexpr (std::is_same_v<T, uint8_t>) return "u8";
    else if constexpr (std::is_same_v<T, int8_t>) return "i8";
    else if constexpr (std::is_same_v<T, uint16_t>) return "u16";
    else if constexpr (std::is_same_v<T, int16_t>) return "i16";
    else if constexpr (std::is_same_v<T, uint32_t>) return "u32";
    else if constexpr (std::is_same_v<T, int32_t>) return "i32";
    else if constexpr (std::is_same_v<T, uint64_t>) return "u64";
    else return "i64";
  }

  const GgufFile& file_;
  std::string_view key_;
};

}  // namespace

template <class T>
T GgufFile::get(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) {
    throw Error(ErrorCode::bad_format, path_ + ": metadata key '" + std::string(key) + "' is missing");
  }
  return Converter(*this, key).convert<T>(*v);
}

template uint8_t GgufFile::get<uint8_t>(std::string_view) const;
template int8_t GgufFile::get<int8_t>(std::string_view) const;
template uint16_t GgufFile::get<uint16_t>(std::string_view) const;
template int16_t GgufFile::get<int16_t>(std::string_view) const;
template uint32_t GgufFile::get<uint32_t>(std::string_view) const;
template int32_t GgufFile::get<int32_t>(std::string_view) const;
template uint64_t GgufFile::get<uint64_t>(std::string_view) const;
template int64_t GgufFile::get<int64_t>(std::string_view) const;
template float GgufFile::get<float>(std::string_view) const;
template double GgufFile::get<double>(std::string_view) const;
template bool GgufFile::get<bool>(std::string_view) const;
template std::string GgufFile::get<std::string>(std::string_view) const;
template std::vector<int32_t> GgufFile::get<std::vector<int32_t>>(std::string_view) const;
template std::vector<uint32_t> GgufFile::get<std::vector<uint32_t>>(std::string_view) const;
template std::vector<int64_t> GgufFile::get<std::vector<int64_t>>(std::string_view) const;
template std::vector<float> GgufFile::get<std::vector<float>>(std::string_view) const;
template std::vector<std::string> GgufFile::get<std::vector<std::string>>(std::string_view) const;

}  // namespace nanollama::gguf
