// SPDX-License-Identifier: Apache-2.0
// `nanollama`: the command-line driver. It is an example of an application built on the
// public API; every subcommand lives in its own file.
#include <cstring>
#include <exception>
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "nanollama/error.h"
#include "nanollama/version.h"

namespace {

using nanollama::cli::Command;

constexpr Command kCommands[] = {
    {"tags", "generate Danbooru tags with DanTagGen (the main job)", nanollama::cli::cmd_tags},
    {"inspect", "print a GGUF file's metadata and tensor table", nanollama::cli::cmd_inspect},
    {"make-model", "write a random-weight LLaMA model (DanTagGen's shape with --preset dtg)",
     nanollama::cli::cmd_make_model},
    {"generate", "continue a text, streaming the tokens", nanollama::cli::cmd_generate},
    {"bench", "measure prompt and generation speed (tok/s, GB/s) on this machine", nanollama::cli::cmd_bench},
    {"logits", "write every position's logits for a list of token ids", nanollama::cli::cmd_logits},
    {"tokenize", "print the token ids of a text", nanollama::cli::cmd_tokenize},
    {"detokenize", "print the text of token ids", nanollama::cli::cmd_detokenize},
    {"quantize", "convert a model's weight matrices to Q8_0, Q6_K or F16", nanollama::cli::cmd_quantize},
    {"isa", "show CPU features and the kernels' instruction-set paths", nanollama::cli::cmd_isa},
};

void print_overview(std::ostream& out) {
  out << "usage: nanollama COMMAND [options]\n\n"
         "nanollama runs NanoLLaMA / DanTagGen GGUF models on the CPU.\n\ncommands:\n";
  for (const auto& c : kCommands) {
    out << "  " << c.name << std::string(14 - std::strlen(c.name), ' ') << c.summary << "\n";
  }
  out << "\nRun `nanollama COMMAND --help` for a command's options, `nanollama --version` (-V) for\n"
         "the version. Wherever a command reads text or a file (a prompt, ids, --file, --batch),\n"
         "`-` means standard input; model files must be real files (they are memory-mapped).\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_overview(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_overview(std::cout);
    return 0;
  }
  if (name == "--version" || name == "-V") {
    std::cout << "nanollama " << nanollama::version() << " (commit " << nanollama::build_commit() << ")\n";
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const nanollama::cli::UsageError& e) {
      std::cerr << "nanollama " << name << ": " << e.what() << "\n"
                << "Run `nanollama " << name << " --help` for usage.\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "nanollama " << name << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "nanollama: unknown command '" << name << "'\n\n";
  print_overview(std::cerr);
  return 2;
}
