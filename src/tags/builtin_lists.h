// SPDX-License-Identifier: Apache-2.0
// The built-in artist / characters / copyrights / meta lists (internal). Their text is
// compiled into the library from plain text files (data/tag-lists by default, or the folder
// NANOLLAMA_TAG_LISTS_DIR names) by cmake/EmbedTagLists.cmake, so a static binary needs no
// data folder; they are parsed once, on first use.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "nanollama/tag_prompt.h"

namespace nanollama::tags::detail {

// The files' text, one tag per line (defined in the generated builtin_tag_lists.cpp).
extern const std::string_view kEmbeddedArtist;
extern const std::string_view kEmbeddedCharacters;
extern const std::string_view kEmbeddedCopyrights;
extern const std::string_view kEmbeddedMeta;

// The built-in lists in match-key form (CategoryLists::add's form), parsed on first use;
// safe to call from several threads.
const CategoryLists& builtin_lists();

// sort_tag with the built-in lists on or off whatever lists.builtin says: a request may
// override the generator's setting without copying its lists.
SortedTag sort_tag(std::string_view tag, const CategoryLists& lists, bool use_builtin);

}  // namespace nanollama::tags::detail
