// SPDX-License-Identifier: Apache-2.0
// `nanollama inspect FILE`: a GGUF file's header, metadata, tensor table and summary.
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.h"
#include "commands.h"
#include "format.h"
#include "nanollama/gguf.h"
#include "nanollama/tags.h"

namespace nanollama::cli {
namespace {

using gguf::GgufFile;
using gguf::Value;

constexpr size_t kShownItems = 8;

std::string type_label(const Value& v) {
  if (!v.is_array()) return std::string(gguf::value_type_name(v.type()));
  return "array[" + std::string(gguf::value_type_name(v.element_type())) + "]";
}

// One metadata value as JSON: scalars as themselves; arrays in full or as a head + length.
std::string value_json(const Value& v, bool full) {
  std::string items;
  size_t shown = 0;
  std::visit(
      [&](const auto& stored) {
        using T = std::decay_t<decltype(stored)>;
        auto one = [&](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, std::string>) {
            items += json_quote(x);
          } else if constexpr (std::is_same_v<X, bool>) {
            items += x ? "true" : "false";
          } else if constexpr (std::is_floating_point_v<X>) {
            items += json_number(static_cast<double>(x));
          } else {
            items += std::to_string(x);
          }
        };
        if constexpr (requires { stored.size(); typename T::value_type; } && !std::is_same_v<T, std::string>) {
          const size_t n = full ? stored.size() : std::min(stored.size(), kShownItems);
          for (size_t i = 0; i < n; ++i) {
            if (i) items += ",";
            one(static_cast<typename T::value_type>(stored[i]));
          }
          shown = n;
        } else {
          one(stored);
        }
      },
      v.storage());
  if (!v.is_array()) return items;
  if (full || shown == v.size()) return "[" + items + "]";
  return "{\"length\":" + std::to_string(v.size()) + ",\"head\":[" + items + "]}";
}

struct Summary {
  uint64_t parameters = 0;
  std::map<std::string, std::pair<size_t, uint64_t>> by_type;  // name -> (tensors, bytes)
};

Summary summarize(const GgufFile& file) {
  Summary s;
  for (const auto& t : file.tensors()) {
    s.parameters += t.n_elements;
    auto& entry = s.by_type[std::string(tensor_type_name(t.type))];
    entry.first += 1;
    entry.second += t.n_bytes;
  }
  return s;
}

// What `nanollama tags` would take the file for (only for DanTagGen vocabularies).
void print_dantaggen_text(const GgufFile& file) {
  const DtgModelInfo info = detect_dtg_model(file);
  if (!info.dantaggen_vocabulary) return;
  std::cout << "\nDanTagGen:\n  version: " << (info.version.empty() ? "unknown" : info.version);
  if (info.detected_from == "context_length") {
    std::cout << " (from the context length, " << info.context_length << ")";
  } else if (info.detected_from == "metadata") {
    std::cout << " (from the metadata's name)";
  } else {
    std::cout << " (neither the context length nor the metadata tells)";
  }
  std::cout << "\n  prompt: " << (info.quality_line ? "a quality line first (delta's layout)" : "no quality line")
            << "\n";
}

std::string dantaggen_json(const GgufFile& file) {
  const DtgModelInfo info = detect_dtg_model(file);
  if (!info.dantaggen_vocabulary) return "null";
  return "{\"dtg_version\":" + (info.version.empty() ? std::string("null") : json_quote(info.version)) +
         ",\"quality_line\":" + (info.quality_line ? "true" : "false") +
         ",\"detected_from\":" + json_quote(info.detected_from) +
         ",\"context_length\":" + std::to_string(info.context_length) + "}";
}

void print_text(const GgufFile& file, bool full) {
  std::cout << file.path() << ": GGUF version " << file.version() << ", alignment " << file.alignment() << ", "
            << file.metadata().size() << " metadata keys, " << file.tensors().size() << " tensors, data section at byte "
            << file.data_offset() << ", " << human_bytes(file.file_size()) << "\n\nmetadata:\n";
  size_t key_width = 10;
  for (const auto& e : file.metadata()) key_width = std::max(key_width, e.key.size());
  for (const auto& e : file.metadata()) {
    std::string type = type_label(e.value);
    std::cout << "  " << pad(e.key, key_width) << "  " << pad(type, 14) << "  "
              << e.value.to_string(full ? SIZE_MAX : kShownItems) << "\n";
  }

  size_t name_width = 4;
  for (const auto& t : file.tensors()) name_width = std::max(name_width, t.name.size());
  std::cout << "\ntensors:\n  " << pad("name", name_width) << "  " << pad("type", 6) << "  " << pad("shape", 22) << "  "
            << pad("offset", 12) << "  bytes\n";
  for (const auto& t : file.tensors()) {
    std::cout << "  " << pad(t.name, name_width) << "  " << pad(std::string(tensor_type_name(t.type)), 6) << "  "
              << pad(t.shape_string(), 22) << "  " << pad(std::to_string(t.offset), 12) << "  " << t.n_bytes << "\n";
  }

  const Summary s = summarize(file);
  std::cout << "\nsummary:\n  parameters: " << s.parameters << " (" << human_count(s.parameters) << ")\n";
  for (const auto& [name, entry] : s.by_type) {
    std::cout << "  " << pad(name + ":", 7) << " " << entry.first << " tensors, " << human_bytes(entry.second) << "\n";
  }
  print_dantaggen_text(file);
}

void print_json(const GgufFile& file, bool full) {
  std::ostringstream out;
  out << "{\"file\":" << json_quote(file.path()) << ",\"version\":" << file.version()
      << ",\"alignment\":" << file.alignment() << ",\"file_size\":" << file.file_size()
      << ",\"data_offset\":" << file.data_offset() << ",\"metadata\":[";
  bool first = true;
  for (const auto& e : file.metadata()) {
    if (!first) out << ",";
    first = false;
    out << "{\"key\":" << json_quote(e.key) << ",\"type\":" << json_quote(type_label(e.value))
        << ",\"value\":" << value_json(e.value, full) << "}";
  }
  out << "],\"tensors\":[";
  first = true;
  for (const auto& t : file.tensors()) {
    if (!first) out << ",";
    first = false;
    out << "{\"name\":" << json_quote(t.name) << ",\"type\":\"" << tensor_type_name(t.type) << "\",\"shape\":[";
    for (size_t i = 0; i < t.dims.size(); ++i) out << (i ? "," : "") << t.dims[i];
    out << "],\"offset\":" << t.offset << ",\"bytes\":" << t.n_bytes << "}";
  }
  const Summary s = summarize(file);
  out << "],\"summary\":{\"parameters\":" << s.parameters << ",\"by_type\":{";
  first = true;
  for (const auto& [name, entry] : s.by_type) {
    if (!first) out << ",";
    first = false;
    out << json_quote(name) << ":{\"tensors\":" << entry.first << ",\"bytes\":" << entry.second << "}";
  }
  out << "}},\"dantaggen\":" << dantaggen_json(file) << "}\n";
  std::cout << out.str();
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  ArgParser args("inspect", "FILE [--json] [--full]",
                 "Prints a GGUF file's version, every metadata key with its type and value, the tensor\n"
                 "table (name, type, shape, offset, bytes) and a summary (parameters, bytes by type);\n"
                 "for a DanTagGen file, which version and prompt layout `nanollama tags` takes it for.");
  args.flag("json", 0, "print one JSON object instead of text")
      .flag("full", 0, "print arrays in full instead of their first items and length");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(1, 1, "the GGUF file to inspect");

  const auto file = GgufFile::open(args.positionals()[0]);
  if (args.has("json")) {
    print_json(*file, args.has("full"));
  } else {
    print_text(*file, args.has("full"));
  }
  return 0;
}

}  // namespace nanollama::cli
