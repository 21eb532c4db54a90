// SPDX-License-Identifier: Apache-2.0
// SIGINT and SIGTERM during `tags --batch`: the first asks the batch to stop taking lines
// (those in progress finish and are written), a second one also cancels those in progress
// (they are written as cancelled, and --resume runs them again). Without the batch running,
// the signals keep their default action.
#pragma once
#include "nanollama/tags.h"

namespace nanollama::cli {

class StopSignals {
 public:
  // Installs the handlers until destruction; a second signal calls generator.cancel() (a
  // lock-free atomic store, safe in a signal handler).
  explicit StopSignals(TagGenerator& generator);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The first signal received (SIGINT or SIGTERM), 0 if none.
  int received() const noexcept;
};

}  // namespace nanollama::cli
