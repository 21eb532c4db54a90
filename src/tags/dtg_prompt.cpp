// SPDX-License-Identifier: Apache-2.0
// DanTagGen's prompt, byte for byte as KGen's apply_dtg_prompt writes it (docs/TAGS.md).
#include <cmath>
#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "tags/text_util.h"

namespace nanollama::tags {
namespace {

constexpr std::string_view kEmpty = "<|empty|>";
constexpr std::string_view kInputEnd = "<|input_end|>";
constexpr Target kTargets[] = {Target::very_short, Target::short_, Target::long_, Target::very_long};

void append_joined(std::string& out, const std::vector<std::string>& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) out += ", ";
    out += tags[i];
  }
}

void append_field(std::string& out, std::string_view name, const std::vector<std::string>& tags) {
  out += name;
  out += ": ";
  if (tags.empty()) {
    out += kEmpty;
  } else {
    append_joined(out, tags);
  }
  out += '\n';
}

}  // namespace

std::string_view target_name(Target t) noexcept {
  switch (t) {
    case Target::very_short: return "very_short";
    case Target::short_: return "short";
    case Target::long_: return "long";
    case Target::very_long: return "very_long";
  }
  return "long";
}

std::string_view target_token(Target t) noexcept {
  switch (t) {
    case Target::very_short: return "<|very_short|>";
    case Target::short_: return "<|short|>";
    case Target::long_: return "<|long|>";
    case Target::very_long: return "<|very_long|>";
  }
  return "<|long|>";
}

std::optional<Target> parse_target(std::string_view name) noexcept {
  name = detail::trim(name);
  // The extension's radio labels are "very short" ... "very long"; its code and KGen's
  // TARGET keys use underscores. Any mix of case, spaces and underscores is one name.
  char folded[16];
  size_t n = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == ' ' || c == '_') {
      while (i + 1 < name.size() && (name[i + 1] == ' ' || name[i + 1] == '_')) ++i;
      c = '_';
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (n == sizeof folded) return std::nullopt;  // longer than any name
    folded[n++] = c;
  }
  const std::string_view key(folded, n);
  for (Target t : kTargets) {
    if (key == target_name(t) || name == target_token(t)) return t;
  }
  return std::nullopt;
}

int32_t target_min_tags(Target t) noexcept {
  switch (t) {
    case Target::very_short: return 8;
    case Target::short_: return 16;
    case Target::long_: return 32;
    case Target::very_long: return 48;
  }
  return 32;
}

std::string build_dtg_prompt(const DtgPromptFields& fields) {
  if (!std::isfinite(fields.aspect_ratio) || fields.aspect_ratio <= 0) {
    throw Error(ErrorCode::invalid_argument,
                "aspect ratio must be a positive number, got " + detail::format_decimal(fields.aspect_ratio, 4));
  }
  std::string out;
  if (fields.quality_line) {
    out += "quality: ";  // no <|empty|> here: delta was trained on an empty line
    append_joined(out, fields.quality);
    out += '\n';
  }
  append_field(out, "rating", fields.rating);
  append_field(out, "artist", fields.artist);
  append_field(out, "characters", fields.characters);
  append_field(out, "copyrights", fields.copyrights);
  out += "aspect ratio: ";
  out += detail::format_fixed(fields.aspect_ratio, 1);  // Python's f"{x:.1f}": "1.0", not "1"
  out += '\n';
  out += "target: ";
  out += target_token(fields.target);
  out += '\n';
  // The ", " between special and general is written even when either is empty.
  out += "general: ";
  append_joined(out, fields.special);
  out += ", ";
  append_joined(out, fields.general);
  out += kInputEnd;
  return out;
}

}  // namespace nanollama::tags
