// SPDX-License-Identifier: Apache-2.0
#include "stop_signals.h"

#include <atomic>
#include <csignal>

namespace nanollama::cli {
namespace {

volatile std::sig_atomic_t g_first_signal = 0;
volatile std::sig_atomic_t g_count = 0;
TagGenerator* g_generator = nullptr;
struct sigaction g_old_int, g_old_term;

extern "C" void on_stop_signal(int sig) {
  if (g_count == 0) g_first_signal = sig;
  g_count = g_count + 1;
  if (g_count >= 2 && g_generator != nullptr) g_generator->cancel();
}

}  // namespace

StopSignals::StopSignals(TagGenerator& generator) {
  static_assert(std::atomic<bool>::is_always_lock_free);
  g_first_signal = 0;
  g_count = 0;
  g_generator = &generator;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a read of standard input waiting for a line returns
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_generator = nullptr;
}

int StopSignals::received() const noexcept { return g_first_signal; }

}  // namespace nanollama::cli
