// SPDX-License-Identifier: Apache-2.0
#include "sampling_options.h"

#include <sstream>

namespace nanollama::cli {
namespace {
std::string text(float v) {
  std::ostringstream s;
  s << static_cast<double>(v);
  return s.str();
}
}  // namespace

void add_sampling_options(ArgParser& args, const SamplerParams& d) {
  args.option("temp", 0, "T", "temperature; 0 picks the most likely token", text(d.temperature))
      .option("top-k", 0, "K", "keep the K most likely tokens; 0 keeps all", std::to_string(d.top_k))
      .option("top-p", 0, "P", "keep the smallest set with this much probability; 1 off", text(d.top_p))
      .option("min-p", 0, "P", "drop tokens below P times the best one's probability; 0 off", text(d.min_p))
      .option("repeat-penalty", 0, "R", "discourage recently seen tokens; 1 off", text(d.repeat_penalty))
      .option("seed", 's', "N", "random seed (the same seed gives the same output)", std::to_string(d.seed));
}

SamplerParams sampling_params(const ArgParser& args, const SamplerParams& d) {
  SamplerParams p = d;
  p.temperature = static_cast<float>(args.get_double("temp", static_cast<double>(d.temperature), 0.0, 100.0));
  p.top_k = static_cast<int32_t>(args.get_int("top-k", d.top_k, 0, 1 << 22));
  p.top_p = static_cast<float>(args.get_double("top-p", static_cast<double>(d.top_p), 0.0, 1.0));
  p.min_p = static_cast<float>(args.get_double("min-p", static_cast<double>(d.min_p), 0.0, 1.0));
  p.repeat_penalty = static_cast<float>(args.get_double("repeat-penalty", static_cast<double>(d.repeat_penalty), 0.01, 100.0));
  p.seed = args.get_u64("seed", d.seed);
  return p;
}

}  // namespace nanollama::cli
