// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the ban-pattern compiler. The first line is a ban setting (comma-separated
// patterns: Python regular expressions, exact:, glob:); it compiles or throws Error. Each
// further line is a tag matched against it, bounded: a match or an Error for a pattern that
// backtracks without end, never a hang or a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string_view setting = text.substr(0, nl);
  try {
    const tags::BanList bans = tags::BanList::parse(setting);
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      const std::string_view tag = rest.substr(0, end);
      const bool every = bans.bans_every_completion(tag);
      const bool matches = bans.matches(tag);
      if (every && !matches && !tag.empty()) std::abort();  // "every completion" includes the tag itself
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument) std::abort();
  }
  return 0;
}
