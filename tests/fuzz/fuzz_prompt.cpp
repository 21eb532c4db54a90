// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the web UI prompt parser on untrusted text (it never throws and keeps no
// empty tag), and each parsed tag written back through format_tag and parsed again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nanollama/tag_prompt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama::tags;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParsedPrompt parsed = parse_a1111_prompt(text);
  for (const PromptTag& t : parsed.tags) {
    if (t.text.empty()) std::abort();  // empty tags are dropped
    const std::string written = format_tag({t.text, t.weight, t.break_after, t.verbatim});
    (void)parse_a1111_prompt(written);
  }
  return 0;
}
