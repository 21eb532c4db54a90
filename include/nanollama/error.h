// SPDX-License-Identifier: Apache-2.0
// Errors thrown by the nanollama C++ API.
//
// Library code never aborts or exits: every failure is reported as a nanollama::Error whose
// message says what was wrong and where (file, key, tensor, byte offset).
#pragma once

#include <stdexcept>
#include <string>

namespace nanollama {

// Broad classes of failure; the C API maps them onto its status codes.
enum class ErrorCode {
  invalid_argument,  // the caller passed something unusable (bad option, id out of range)
  io,                // a file could not be opened, mapped, read or written
  bad_format,        // a file is malformed (truncated, inconsistent, out of bounds)
  unsupported,       // well-formed, but nanollama cannot handle it (version, type, layout)
  context_full,      // the KV cache or context window has no room for the request
  cancelled,         // a caller's callback asked to stop
  internal,          // a broken invariant inside nanollama (a bug: please report)
};

const char* error_code_name(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace nanollama
