// SPDX-License-Identifier: Apache-2.0
#include "input.h"

#include <fstream>
#include <iostream>

#include "cli.h"
#include "nanollama/error.h"

namespace nanollama::cli {
namespace {

std::string g_stdin_user;  // the option that read standard input, if any

std::string read_stream(std::istream& in, const std::string& name) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) text.append(buffer, static_cast<size_t>(in.gcount()));
  if (in.bad()) throw Error(ErrorCode::io, "cannot read " + name);
  return text;
}

}  // namespace

void claim_stdin(const std::string& what) {
  if (!g_stdin_user.empty()) {
    throw UsageError(what + " and " + g_stdin_user + " both read standard input (-); only one can");
  }
  g_stdin_user = what;
}

std::string read_input(const std::string& path, const std::string& what) {
  if (path == "-") {
    claim_stdin(what);
    return read_stream(std::cin, "standard input");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, what + ": cannot open '" + path + "'");
  return read_stream(in, "'" + path + "'");
}

std::string text_or_stdin(const std::string& value, const std::string& what) {
  return value == "-" ? read_input(value, what) : value;
}

}  // namespace nanollama::cli
