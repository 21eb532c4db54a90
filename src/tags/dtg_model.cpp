// SPDX-License-Identifier: Apache-2.0
// Which DanTagGen a GGUF file holds, from its metadata (docs/TAGS.md, "Which DanTagGen").
#include <algorithm>
#include <cctype>
#include <string>
#include <type_traits>
#include <variant>

#include "nanollama/tags.h"

namespace nanollama {
namespace {

// The training context of the published checkpoints (their config.json's
// max_position_embeddings, which llama.cpp's converter writes as llama.context_length).
constexpr int64_t kDeltaContext = 2048;
constexpr int64_t kEarlyContext = 512;  // alpha, beta, gamma

const std::string* string_value(const gguf::GgufFile& file, std::string_view key) {
  const gguf::Value* v = file.find(key);
  return v != nullptr ? v->get_if<std::string>() : nullptr;
}

int64_t context_length(const gguf::GgufFile& file) {
  const std::string* arch = string_value(file, "general.architecture");
  const gguf::Value* v = file.find((arch != nullptr ? *arch : std::string("llama")) + ".context_length");
  if (v == nullptr) return 0;
  int64_t n = 0;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) n = static_cast<int64_t>(x);
      },
      v->storage());
  return n;
}

// The version a name mentions: "DanTagGen-delta-rev2" -> "delta-rev2". Later versions are
// looked for first, so "delta" wins over a "beta" it was fine-tuned from in the same name.
std::string version_named(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text.find("delta") != std::string::npos) return text.find("rev2") != std::string::npos ? "delta-rev2" : "delta";
  for (const char* v : {"gamma", "beta", "alpha"}) {
    if (text.find(v) != std::string::npos) return v;
  }
  return {};
}

bool has_input_end_token(const gguf::GgufFile& file) {
  const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
  const auto* list = tokens != nullptr ? tokens->get_if<std::vector<std::string>>() : nullptr;
  // DanTagGen's six tokens were added after LLaMA's 32000: look at the end only.
  return list != nullptr &&
         std::find(list->size() > 64 ? list->end() - 64 : list->begin(), list->end(), "<|input_end|>") != list->end();
}

}  // namespace

DtgModelInfo detect_dtg_model(const gguf::GgufFile& file) {
  DtgModelInfo info;
  info.dantaggen_vocabulary = has_input_end_token(file);
  info.context_length = context_length(file);
  std::string named;
  for (const char* key : {"general.name", "general.basename", "general.finetune", "general.version"}) {
    if (const std::string* s = string_value(file, key)) named = version_named(*s);
    if (!named.empty()) break;
  }
  const bool named_delta = named.rfind("delta", 0) == 0;
  if (info.context_length == kDeltaContext || info.context_length == kEarlyContext) {
    // The context length is fixed by training; a name is whatever the converter was given
    // (gamma's own config calls its checkpoint "nanollama-dtg-beta"), so it only refines.
    info.quality_line = info.context_length == kDeltaContext;
    info.detected_from = "context_length";
    if (!named.empty() && named_delta == info.quality_line) {
      info.version = named;
    } else {
      info.version = info.quality_line ? "delta" : "alpha/beta/gamma";
    }
  } else if (!named.empty()) {
    info.quality_line = named_delta;
    info.detected_from = "metadata";
    info.version = named;
  } else {
    info.detected_from = "none";
  }
  return info;
}

}  // namespace nanollama
