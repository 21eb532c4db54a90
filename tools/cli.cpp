// SPDX-License-Identifier: Apache-2.0
#include "cli.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace nanollama::cli {

ArgParser::ArgParser(std::string command, std::string usage, std::string summary)
    : command_(std::move(command)), usage_(std::move(usage)), summary_(std::move(summary)) {
  flag("help", 'h', "show this help and exit");
}

ArgParser& ArgParser::flag(const std::string& name, char short_name, const std::string& help) {
  specs_.push_back({name, short_name, "", help, ""});
  return *this;
}

ArgParser& ArgParser::option(const std::string& name, char short_name, const std::string& value_name,
                             const std::string& help, const std::string& fallback) {
  specs_.push_back({name, short_name, value_name, help, fallback});
  return *this;
}

ArgParser& ArgParser::epilog(const std::string& text) {
  epilog_ = text;
  return *this;
}

const ArgParser::Spec* ArgParser::find_long(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ArgParser::Spec* ArgParser::find_short(char c) const {
  for (const auto& s : specs_) {
    if (s.short_name != 0 && s.short_name == c) return &s;
  }
  return nullptr;
}

const ArgParser::Spec& ArgParser::spec(const std::string& name) const {
  const Spec* s = find_long(name);
  // Asking for an option that was never declared is a bug in the driver, not bad usage.
  if (s == nullptr) throw std::logic_error("undeclared option --" + name);
  return *s;
}

bool ArgParser::parse(int argc, char** argv, int first) {
  bool only_positionals = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positionals || arg == "-" || arg.size() < 2 || arg[0] != '-' ||
        (arg[1] != '-' && std::isdigit(static_cast<unsigned char>(arg[1])))) {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    const Spec* s = nullptr;
    std::optional<std::string> inline_value;
    if (arg[1] == '-') {
      std::string name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      s = find_long(name);
      if (s == nullptr) throw UsageError("unknown option --" + name);
    } else {
      if (arg.size() != 2) throw UsageError("unknown option " + arg + " (long options take two dashes)");
      s = find_short(arg[1]);
      if (s == nullptr) throw UsageError("unknown option " + arg);
    }
    if (s->value_name.empty()) {
      if (inline_value) throw UsageError("option --" + s->name + " takes no value");
      values_[s->name].push_back("");
    } else if (inline_value) {
      values_[s->name].push_back(*inline_value);
    } else {
      if (i + 1 >= argc) throw UsageError("option --" + s->name + " needs a value (" + s->value_name + ")");
      values_[s->name].push_back(argv[++i]);
    }
  }
  if (has("help")) {
    std::cout << help();
    return false;
  }
  return true;
}

bool ArgParser::has(const std::string& name) const {
  spec(name);
  return values_.count(name) != 0;
}

std::optional<std::string> ArgParser::get_opt(const std::string& name) const {
  spec(name);
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string ArgParser::get(const std::string& name, const std::string& fallback) const {
  return get_opt(name).value_or(fallback);
}

std::vector<std::string> ArgParser::get_all(const std::string& name) const {
  spec(name);
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t ArgParser::get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  auto text = get_opt(name);
  if (!text) return fallback;
  auto v = parse_int(*text);
  if (!v || *v < min || *v > max) {
    throw UsageError("--" + name + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + *text + "'");
  }
  return *v;
}

uint64_t ArgParser::get_u64(const std::string& name, uint64_t fallback) const {
  auto text = get_opt(name);
  if (!text) return fallback;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text->c_str(), &end, 10);
  if (text->empty() || text->front() == '-' || *end != '\0' || errno == ERANGE) {
    throw UsageError("--" + name + " must be a whole number from 0 to 18446744073709551615, got '" + *text + "'");
  }
  return v;
}

double ArgParser::get_double(const std::string& name, double fallback, double min, double max) const {
  auto text = get_opt(name);
  if (!text) return fallback;
  auto v = parse_double(*text);
  if (!v || *v < min || *v > max) {
    std::ostringstream msg;
    msg << "--" << name << " must be a number from " << min << " to " << max << ", got '" << *text << "'";
    throw UsageError(msg.str());
  }
  return *v;
}

void ArgParser::expect_positionals(size_t min, size_t max, const std::string& what) const {
  if (positionals_.size() < min) throw UsageError("missing " + what);
  if (positionals_.size() > max) throw UsageError("unexpected argument '" + positionals_[max] + "'");
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << "usage: nanollama " << command_ << " " << usage_ << "\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& s : specs_) {
    std::string left = "  ";
    left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    left += "--" + s.name;
    if (!s.value_name.empty()) left += " " + s.value_name;
    out << left;
    if (left.size() < 30) {
      out << std::string(30 - left.size(), ' ');
    } else {
      out << "\n" << std::string(30, ' ');
    }
    out << s.help;
    if (!s.fallback.empty()) out << " (default: " << s.fallback << ")";
    out << "\n";
  }
  if (!epilog_.empty()) out << "\n" << epilog_ << (epilog_.back() == '\n' ? "" : "\n");
  return out.str();
}

std::optional<int64_t> parse_int(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace nanollama::cli
