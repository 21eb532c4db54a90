// SPDX-License-Identifier: Apache-2.0
// The driver's subcommands. Each lives in its own cmd_*.cpp file, uses only the public API,
// and returns the process exit code: 0 success, 1 failure (a one-line error was printed),
// 2 bad usage. Throwing cli::UsageError or nanollama::Error is the usual way to fail.
#pragma once

namespace nanollama::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand's name
};

int cmd_inspect(int argc, char** argv);
int cmd_logits(int argc, char** argv);
int cmd_make_model(int argc, char** argv);
int cmd_generate(int argc, char** argv);
int cmd_tags(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_detokenize(int argc, char** argv);
int cmd_quantize(int argc, char** argv);
int cmd_isa(int argc, char** argv);

}  // namespace nanollama::cli
