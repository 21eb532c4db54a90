// SPDX-License-Identifier: Apache-2.0
// `nanollama isa`: the CPU features the kernels look for, the paths this machine can run,
// the best one and the one in use (NANOLLAMA_ISA can force a lower one).
#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "nanollama/kernels.h"

namespace nanollama::cli {

int cmd_isa(int argc, char** argv) {
  ArgParser args("isa", "[--list-available]",
                 "Prints the CPU features the kernels use, the instruction-set paths this machine can run,\n"
                 "the best path and the active one (NANOLLAMA_ISA=scalar|avx2|avx512|avx512vnni forces a path).");
  args.flag("list-available", 0, "print only the supported path names, space-separated, on one line");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "no arguments");

  const auto paths = kernels::supported_isas();
  if (args.has("list-available")) {
    for (size_t i = 0; i < paths.size(); ++i) std::cout << (i ? " " : "") << kernels::isa_name(paths[i]);
    std::cout << "\n";
    return 0;
  }
  std::cout << "cpu features:";
  const auto features = kernels::cpu_features();
  if (features.empty()) std::cout << " (none the kernels use)";
  for (auto f : features) std::cout << " " << f;
  std::cout << "\npaths:";
  for (auto p : paths) std::cout << " " << kernels::isa_name(p);
  std::cout << "\nbest path: " << kernels::isa_name(kernels::best_isa()) << "\nactive path: "
            << kernels::isa_name(kernels::active_isa());
  if (const char* env = std::getenv("NANOLLAMA_ISA"); env != nullptr && *env != '\0') {
    std::cout << " (NANOLLAMA_ISA=" << env << ")";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace nanollama::cli
