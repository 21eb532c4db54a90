// SPDX-License-Identifier: Apache-2.0
// A one-line progress indicator on stderr for long work (only when stderr is a terminal or
// the work takes a while), finished with a newline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nanollama::cli {

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  // Reports `done` of `total` units, with `detail` appended (e.g. "412 MB").
  void update(uint64_t done, uint64_t total, const std::string& detail = "");
  void finish(const std::string& summary);

 private:
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false, finished_ = false, tty_;
};

}  // namespace nanollama::cli
