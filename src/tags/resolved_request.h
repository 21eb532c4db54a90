// SPDX-License-Identifier: Apache-2.0
// A TagRequest checked and turned into what generation and formatting need: the DanTagGen
// prompt's fields, the input tags by category (with their A1111 attributes), bans, targets,
// the seed.
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
  std::string unformatted_input;  // the input as the no-formatting mode prints it
  int32_t input_count = 0;        // special + general tags given: counts toward the target
  int32_t min_tags = 0;
  // Normalised form (see dedupe_key) of every input tag: generated tags that repeat one are
  // duplicates.
  std::unordered_set<std::string> input_keys;
  tags::BanList bans;
  uint64_t seed = 0;           // the request's seed, or the one drawn for it
  bool builtin_lists = true;   // sort with the built-in category lists
  DtgModelInfo model;          // what the model's file says about itself
};

// Throws Error(invalid_argument) naming the field for a value out of range or a bad ban.
ResolvedRequest resolve_request(const TagRequest& request, const Model& model, const tags::CategoryLists& lists);
// The same for a model described by `model` alone (no model needed: the text side's tests).
ResolvedRequest resolve_request(const TagRequest& request, const DtgModelInfo& model,
                                const tags::CategoryLists& lists);

// The form under which two tags count as the same: underscores as spaces, lower case.
std::string dedupe_key(std::string_view tag);

// The final prompt for one variant's new tags.
std::string format_output(const TagRequest& request, const ResolvedRequest& resolved,
                          const std::vector<std::string>& new_tags, const tags::CategoryLists& lists,
                          tags::TagMap& categories_out);

}  // namespace nanollama
