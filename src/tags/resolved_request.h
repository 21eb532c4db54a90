// A TagRequest checked and turned into what generation and formatting need: the DanTagGen
// prompt's fields, the input tags by category (with their A1111 attributes), bans, targets.
#pragma once

#include <array>
#include <string>
#include <unordered_set>
#include <vector>

#include "nanollama/tags.h"

namespace nanollama {

struct ResolvedRequest {
  tags::DtgPromptFields fields;
  std::string dtg_prompt;
  // Input tags by category as they will be printed (weights, BREAK, verbatim pieces).
  std::array<std::vector<tags::FormattedTag>, tags::kAllCategories.size()> input;
  std::vector<std::string> networks;
  std::string original_prompt;  // for the no-formatting mode
  int32_t input_count = 0;      // special + general tags given: counts toward the target
  int32_t min_tags = 0;
  // Normalised form (see dedupe_key) of every input tag: generated tags that repeat one are
  // duplicates.
  std::unordered_set<std::string> input_keys;
  tags::BanList bans;
};

// Throws Error(invalid_argument) naming the field for a value out of range or a bad ban.
ResolvedRequest resolve_request(const TagRequest& request, const Model& model, const tags::CategoryLists& lists);

// The form under which two tags count as the same: underscores as spaces, lower case.
std::string dedupe_key(std::string_view tag);

// The final prompt for one variant's new tags.
std::string format_output(const TagRequest& request, const ResolvedRequest& resolved,
                          const std::vector<std::string>& new_tags, const tags::CategoryLists& lists,
                          tags::TagMap& categories_out);

}  // namespace nanollama
