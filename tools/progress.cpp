// SPDX-License-Identifier: Apache-2.0
#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace nanollama::cli {

Progress::Progress(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_(start_), tty_(isatty(2) != 0) {}

Progress::~Progress() {
  if (printed_ && !finished_) std::fputs("\n", stderr);
}

void Progress::update(uint64_t done, uint64_t total, const std::string& detail) {
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 10 times a second on a terminal; in a log, once every 2 seconds.
  const auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(2000);
  if (now - last_ < interval && done < total) return;
  if (now - start_ < std::chrono::milliseconds(300) && done < total) return;
  if (done >= total && !printed_) return;  // quick work: finish() alone says it
  last_ = now;
  const double pct = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::fprintf(stderr, "%s%s: %5.1f%% (%llu/%llu)%s%s", tty_ ? "\r" : "", label_.c_str(), pct,
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               detail.empty() ? "" : " ", detail.c_str());
  if (!tty_) std::fputs("\n", stderr);
  std::fflush(stderr);
  printed_ = true;
}

void Progress::finish(const std::string& summary) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s: %s in %.1f s\n", tty_ && printed_ ? "\r\033[K" : "", label_.c_str(), summary.c_str(), seconds);
  finished_ = true;
}

}  // namespace nanollama::cli
