// SPDX-License-Identifier: Apache-2.0
// Options every model-running subcommand shares (-m, --threads, --ctx, --kv, --activation),
// declared once and turned into SessionOptions once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "nanollama/model.h"
#include "nanollama/session.h"

namespace nanollama::cli {

void add_model_options(ArgParser& args);
// The model named by -m (required); a missing or unreadable file is a nanollama::Error.
std::shared_ptr<const Model> load_model(const ArgParser& args);
SessionOptions session_options(const ArgParser& args);

// "1 2 3" or "1,2,3" -> ids; throws UsageError naming the bad item.
std::vector<int32_t> parse_ids(const std::string& text, const std::string& option);

}  // namespace nanollama::cli
