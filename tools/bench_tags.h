// SPDX-License-Identifier: Apache-2.0
// `nanollama bench --variants N | --parallel N`: tag-generation throughput on a fixed
// workload, next to the single-request figure, alternating the two in every repetition.
#pragma once

#include "cli.h"

namespace nanollama::cli {

void add_tag_bench_options(ArgParser& args);
bool wants_tag_bench(const ArgParser& args);
int run_tag_bench(const ArgParser& args);

}  // namespace nanollama::cli
