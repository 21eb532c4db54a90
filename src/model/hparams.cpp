// SPDX-License-Identifier: Apache-2.0
// Reading a llama model's hyperparameters from GGUF metadata (docs/MODEL.md, "Hyperparameters"), with the
// defaults llama.cpp applies and the consistency checks it does not.
#include "model/hparams.h"

#include <cmath>

namespace nanollama {
namespace {

// Generous ceilings: real models sit far below them; a file beyond them is broken or hostile.
constexpr int64_t kMaxWidth = 1 << 16;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxContext = 1 << 24;

class Reader {
 public:
  explicit Reader(const gguf::GgufFile& f) : f_(f) {}

  [[noreturn]] void fail(const std::string& what, ErrorCode code = ErrorCode::bad_format) const {
    throw Error(code, f_.path() + ": " + what);
  }

  // A positive integer key no larger than `max`. Some converters write per-layer arrays for
  // head counts and FFN width; nanollama accepts them only when every layer agrees.
  int32_t count(const std::string& key, int64_t max, std::optional<int32_t> fallback = std::nullopt) const {
    const gguf::Value* v = f_.find(key);
    if (v == nullptr) {
      if (fallback) return *fallback;
      fail("metadata key '" + key + "' is missing");
    }
    int64_t value = 0;
    if (v->is_array()) {
      const auto all = f_.get<std::vector<int64_t>>(key);
      if (all.empty()) fail("metadata key '" + key + "' is an empty array");
      for (int64_t x : all) {
        if (x != all[0]) fail("metadata key '" + key + "' differs between layers, which nanollama does not support",
                              ErrorCode::unsupported);
      }
      value = all[0];
    } else {
      value = f_.get<int64_t>(key);
    }
    if (value <= 0 || value > max) {
      fail("metadata key '" + key + "' is " + std::to_string(value) + " (must be 1 to " + std::to_string(max) + ")");
    }
    return static_cast<int32_t>(value);
  }

  float positive_float(const std::string& key, std::optional<float> fallback = std::nullopt) const {
    if (!f_.contains(key)) {
      if (fallback) return *fallback;
      fail("metadata key '" + key + "' is missing");
    }
    const float v = f_.get<float>(key);
    if (!std::isfinite(v) || v <= 0.0f) fail("metadata key '" + key + "' is " + std::to_string(v) + " (must be > 0)");
    return v;
  }

 private:
  const gguf::GgufFile& f_;
};

}  // namespace

Hyperparameters read_hyperparameters(const gguf::GgufFile& file) {
  Reader r(file);
  Hyperparameters hp;
  hp.architecture = file.get<std::string>("general.architecture");
  if (hp.architecture != "llama") {
    r.fail("architecture '" + hp.architecture + "' is not supported (nanollama runs 'llama' models)",
           ErrorCode::unsupported);
  }
  hp.name = file.get_or<std::string>("general.name", "");
  const std::string a = hp.architecture + ".";

  hp.n_embd = r.count(a + "embedding_length", kMaxWidth);
  hp.n_layer = r.count(a + "block_count", kMaxLayers);
  hp.n_ff = r.count(a + "feed_forward_length", kMaxWidth * 4);
  hp.n_head = r.count(a + "attention.head_count", kMaxHeads);
  hp.n_head_kv = r.count(a + "attention.head_count_kv", kMaxHeads, hp.n_head);
  hp.n_ctx_train = r.count(a + "context_length", kMaxContext, 2048);

  if (!file.contains(a + "attention.key_length") && hp.n_embd % hp.n_head != 0) {
    r.fail("embedding_length " + std::to_string(hp.n_embd) + " is not divisible by head_count " +
           std::to_string(hp.n_head));
  }
  hp.head_dim = r.count(a + "attention.key_length", kMaxWidth, hp.n_embd / hp.n_head);
  const int32_t value_length = r.count(a + "attention.value_length", kMaxWidth, hp.head_dim);
  if (value_length != hp.head_dim) {
    r.fail("attention.value_length " + std::to_string(value_length) + " differs from key_length " +
               std::to_string(hp.head_dim),
           ErrorCode::unsupported);
  }
  if (hp.head_dim % 2 != 0) r.fail("head dimension " + std::to_string(hp.head_dim) + " is odd; RoPE needs pairs");
  if (hp.n_head % hp.n_head_kv != 0) {
    r.fail("head_count " + std::to_string(hp.n_head) + " is not a multiple of head_count_kv " +
           std::to_string(hp.n_head_kv) + " (grouped-query attention needs equal groups)");
  }
  hp.n_rot = r.count(a + "rope.dimension_count", kMaxWidth, hp.head_dim);
  if (hp.n_rot != hp.head_dim) {
    r.fail("rope.dimension_count " + std::to_string(hp.n_rot) + " differs from the head dimension " +
               std::to_string(hp.head_dim) + " (llama rotates whole heads)",
           ErrorCode::unsupported);
  }

  hp.rms_eps = r.positive_float(a + "attention.layer_norm_rms_epsilon");
  // Real models use 1e-5 or 1e-6; an epsilon near 1 or above swamps the activations.
  if (hp.rms_eps >= 0.5f) r.fail("attention.layer_norm_rms_epsilon is " + std::to_string(hp.rms_eps) + " (must be below 0.5)");
  hp.rope_freq_base = r.positive_float(a + "rope.freq_base", 10000.0f);

  const std::string scaling = file.get_or<std::string>(a + "rope.scaling.type", "none");
  if (scaling == "linear") {
    hp.rope_freq_scale = 1.0f / r.positive_float(a + "rope.scaling.factor");
  } else if (scaling != "none") {
    r.fail("RoPE scaling '" + scaling + "' is not supported (only none and linear)", ErrorCode::unsupported);
  } else if (file.contains(a + "rope.scale_linear")) {
    hp.rope_freq_scale = 1.0f / r.positive_float(a + "rope.scale_linear");
  }

  // The vocabulary size: the tokenizer's token list if present, else the explicit key; the
  // loader checks it against the embedding's shape.
  if (const gguf::Value* tokens = file.find("tokenizer.ggml.tokens"); tokens != nullptr && tokens->is_array()) {
    if (tokens->size() == 0 || tokens->size() > static_cast<size_t>(kMaxVocab)) {
      r.fail("tokenizer.ggml.tokens has " + std::to_string(tokens->size()) + " entries");
    }
    hp.n_vocab = static_cast<int32_t>(tokens->size());
  } else {
    hp.n_vocab = r.count(a + "vocab_size", kMaxVocab, 0 /* decided by token_embd below */);
  }
  return hp;
}

}  // namespace nanollama
