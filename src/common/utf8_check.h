// SPDX-License-Identifier: Apache-2.0
// Whether text is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, surrogates,
// values above U+10FFFF or truncated sequences), and where it first is not. Requests are
// refused at that byte; JSON output replaces such bytes so that strict readers accept it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nanollama::utf8 {

// Length of the well-formed character at the start of `text` (1..4), 0 if none starts there.
size_t valid_char_length(std::string_view text) noexcept;

// Byte offset of the first byte that does not begin a well-formed character, or
// std::string_view::npos when all of `text` is well-formed.
size_t first_invalid(std::string_view text) noexcept;

// `text` with every byte that begins no well-formed character replaced by U+FFFD.
std::string sanitized(std::string_view text);

}  // namespace nanollama::utf8
