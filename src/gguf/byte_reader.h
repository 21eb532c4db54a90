// SPDX-License-Identifier: Apache-2.0
// A reader over a byte range that knows how much remains: every read is checked first, and
// every failure names the file, the byte offset and what was being read.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "nanollama/error.h"

namespace nanollama::gguf {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, uint64_t size, std::string_view file)
      : data_(data), size_(size), file_(file) {}

  uint64_t offset() const noexcept { return pos_; }
  uint64_t remaining() const noexcept { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& what, uint64_t at) const {
    throw Error(ErrorCode::bad_format, std::string(file_) + ": " + what + " (at byte " + std::to_string(at) + ")");
  }
  [[noreturn]] void fail(const std::string& what) const { fail(what, pos_); }

  // Reads a little-endian value of type T.
  template <class T>
  T read(std::string_view what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // A GGUF string: u64 length, then that many bytes; longer than max_length is refused.
  std::string_view read_string(std::string_view what, uint64_t max_length) {
    const uint64_t at = pos_;
    const auto length = read<uint64_t>(what);
    if (length > max_length) {
      fail(std::string(what) + " is " + std::to_string(length) + " bytes long, more than the limit of " +
               std::to_string(max_length),
           at);
    }
    need(length, what);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(length));
    pos_ += length;
    return s;
  }

  void need(uint64_t n, std::string_view what) const {
    if (n > remaining()) {
      fail("file ends inside " + std::string(what) + ": needs " + std::to_string(n) + " bytes, " +
           std::to_string(remaining()) + " left");
    }
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::string_view file_;
};

}  // namespace nanollama::gguf
