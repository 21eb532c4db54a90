// SPDX-License-Identifier: Apache-2.0
// Whether text sampled into a tag can be a tag: valid UTF-8 without control characters. Byte
// tokens can spell anything, and a tag is written into prompts, JSON and terminals.
#pragma once

#include <string_view>

namespace nanollama {

enum class TagTextState {
  clean,       // valid UTF-8, no control character
  unfinished,  // clean so far, but it ends inside a multi-byte character
  unclean,     // a control character (C0, DEL, C1) or bytes no continuation can make valid
};

TagTextState tag_text_state(std::string_view text) noexcept;

}  // namespace nanollama
