// SPDX-License-Identifier: Apache-2.0
#include "format.h"

#include <cstdio>

namespace nanollama::cli {

namespace {
std::string scaled(double v, const char* const* units, int n_units, double step) {
  int u = 0;
  while (v >= step && u + 1 < n_units) {
    v /= step;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%.0f%s", v, units[0]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
  }
  return buf;
}
}  // namespace

std::string human_bytes(uint64_t bytes) {
  static const char* const units[] = {" B", " KB", " MB", " GB", " TB"};
  return scaled(static_cast<double>(bytes), units, 5, 1000.0);
}

std::string human_count(uint64_t n) {
  static const char* const units[] = {"", " K", " M", " B", " T"};
  return scaled(static_cast<double>(n), units, 5, 1000.0);
}

std::string pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace nanollama::cli
