// SPDX-License-Identifier: Apache-2.0
// A small command-line parser shared by the driver's subcommands: GNU-style long options
// (`--name value`, `--name=value`), short aliases, flags, positionals, and generated --help.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nanollama::cli {

// Bad usage: the driver prints the message and the subcommand's usage line, and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ArgParser {
 public:
  ArgParser(std::string command, std::string usage, std::string summary);

  // A boolean switch.
  ArgParser& flag(const std::string& name, char short_name, const std::string& help);
  // An option taking a value. `fallback` is shown in --help ("default: ...").
  ArgParser& option(const std::string& name, char short_name, const std::string& value_name,
                    const std::string& help, const std::string& fallback = "");
  // Free text appended to --help (examples, notes).
  ArgParser& epilog(const std::string& text);

  // Parses argv[first..argc). Returns false if --help was asked for (help is printed).
  bool parse(int argc, char** argv, int first = 0);

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::optional<std::string> get_opt(const std::string& name) const;
  std::vector<std::string> get_all(const std::string& name) const;  // every occurrence
  int64_t get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  double get_double(const std::string& name, double fallback, double min, double max) const;
  uint64_t get_u64(const std::string& name, uint64_t fallback) const;

  const std::vector<std::string>& positionals() const { return positionals_; }
  // Throws UsageError unless there are between min and max positionals.
  void expect_positionals(size_t min, size_t max, const std::string& what) const;

  std::string help() const;
  const std::string& usage() const { return usage_; }
  const std::string& command() const { return command_; }

 private:
  struct Spec {
    std::string name;
    char short_name = 0;
    std::string value_name;  // empty for flags
    std::string help;
    std::string fallback;
  };
  const Spec* find_long(const std::string& name) const;
  const Spec* find_short(char c) const;
  const Spec& spec(const std::string& name) const;

  std::string command_, usage_, summary_, epilog_;
  std::vector<Spec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// Parses a whole decimal integer / finite number; nullopt on any trailing junk or overflow.
std::optional<int64_t> parse_int(const std::string& text);
std::optional<double> parse_double(const std::string& text);

}  // namespace nanollama::cli
