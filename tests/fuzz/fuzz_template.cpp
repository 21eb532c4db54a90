// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the output template. The input is the template; the tags filled in are
// fixed, with escapes, weights, BREAK and a network. Any template gives text (it never
// throws) with no whitespace or commas at its ends.
#include <cstdint>
#include <cstdlib>
#include <array>
#include <string_view>
#include <vector>

#include "nanollama/tag_prompt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama::tags;
  const std::string_view form(reinterpret_cast<const char*>(data), size);
  std::array<std::vector<FormattedTag>, kAllCategories.size()> by_category;
  by_category[static_cast<size_t>(Category::special)] = {{"1girl", 1.0, false, false}};
  by_category[static_cast<size_t>(Category::general)] = {{"hat (cosplay)", 1.21, true, false},
                                                         {"[a:b:0.5]", 1.0, false, true},
                                                         {"<word:x", 0.9, false, false}};
  by_category[static_cast<size_t>(Category::rating)] = {{"safe", 1.0, false, false}};
  const std::string out = apply_template(form, by_category, {"<lora:x:0.8>"});
  if (!out.empty()) {
    const std::string_view ends = " \t\r\n\f\v,";
    if (ends.find(out.front()) != std::string_view::npos) std::abort();
    if (ends.find(out.back()) != std::string_view::npos) std::abort();
  }
  return 0;
}
