// SPDX-License-Identifier: Apache-2.0
// Small text-formatting helpers for the driver's human-readable output.
#pragma once

#include <cstdint>
#include <string>

#include "nanollama/json.h"

namespace nanollama::cli {

// "786.2 MB", "12.0 KB", "512 B" (decimal units, as disk sizes are quoted).
std::string human_bytes(uint64_t bytes);
// "393.2 M", "18.3 K", "512".
std::string human_count(uint64_t n);
// Left-aligned in a field of `width` characters (longer text is kept whole).
std::string pad(const std::string& text, size_t width);

inline std::string json_quote(std::string_view s) { return json::quote(s); }
inline std::string json_number(double v) { return json::dump(json::Value(v)); }

}  // namespace nanollama::cli
