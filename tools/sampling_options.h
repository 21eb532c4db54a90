// SPDX-License-Identifier: Apache-2.0
// Sampling options shared by `generate` and `tags`.
#pragma once

#include "cli.h"
#include "nanollama/sampler.h"

namespace nanollama::cli {

// --temp --top-k --top-p --min-p --repeat-penalty --seed, with llama.cpp's defaults unless
// the caller passes its own.
void add_sampling_options(ArgParser& args, const SamplerParams& defaults = {});
SamplerParams sampling_params(const ArgParser& args, const SamplerParams& defaults = {});

}  // namespace nanollama::cli
