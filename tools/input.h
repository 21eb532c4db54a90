// SPDX-License-Identifier: Apache-2.0
// The driver's one convention for input: wherever a command reads a file or a text (a
// prompt, token ids, --file, --batch, a tag list), "-" means standard input. Standard input
// can be consumed once per run, so a second "-" in the same command is a usage error rather
// than an empty read. Model files are never read this way: they are memory-mapped.
#pragma once

#include <iosfwd>
#include <string>

namespace nanollama::cli {

// Marks standard input as used by `what` (e.g. "--batch"); throws UsageError if something
// else already used it. For commands that stream std::cin themselves.
void claim_stdin(const std::string& what);

// Every byte of the file at `path`, or of standard input if `path` is "-", unchanged (a
// trailing newline is part of the text). `what` names the option in errors.
std::string read_input(const std::string& path, const std::string& what);

// `value` itself, or every byte of standard input if `value` is "-".
std::string text_or_stdin(const std::string& value, const std::string& what);

}  // namespace nanollama::cli
