// SPDX-License-Identifier: Apache-2.0
#include "nanollama/error.h"

namespace nanollama {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::io: return "I/O error";
    case ErrorCode::bad_format: return "bad format";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::context_full: return "context full";
    case ErrorCode::cancelled: return "cancelled";
    case ErrorCode::internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace nanollama
