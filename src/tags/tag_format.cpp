// SPDX-License-Identifier: Apache-2.0
// One output tag in A1111 syntax.
#include <string>

#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {

std::string format_tag(const FormattedTag& tag) {
  std::string out = tag.verbatim ? tag.text : detail::escape_a1111(tag.text);
  // A weight that prints as 1 (such as 1.1 * (1 / 1.1)) changes nothing: no parentheses.
  const std::string weight = detail::weight_key(tag.weight);
  if (weight != "1" && !out.empty()) out = "(" + out + ":" + weight + ")";
  detail::defuse_networks(out);
  if (tag.break_after) out += " BREAK";
  return out;
}

}  // namespace nanollama::tags
