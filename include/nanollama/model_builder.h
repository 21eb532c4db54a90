// SPDX-License-Identifier: Apache-2.0
// Random-weight LLaMA models: the benchmark and demo models of a fresh machine, and the test
// models of the test suite. Same spec and seed, same bytes, on every machine and thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "nanollama/gguf.h"
#include "nanollama/tensor_type.h"

namespace nanollama {

struct ModelSpec {
  std::string name = "nanollama-random";
  int32_t n_embd = 256;
  int32_t n_ff = 768;
  int32_t n_layer = 2;
  int32_t n_head = 8;
  int32_t n_head_kv = 4;
  int32_t n_ctx = 2048;
  int32_t n_vocab = 32006;  // ignored when vocab_from is set: the copied vocabulary decides
  bool tied_output = false;
  // Type of the 2-D weight matrices (embedding and output included); norms stay F32.
  TensorType type = TensorType::F16;
  uint64_t seed = 1;
  float weight_std = 0.02f;
  // With the built-in vocabulary and an untied output: make the output layer lean toward tag
  // words, commas and end-of-text, so a random model writes tag-shaped text and stops.
  bool tag_prior = true;
  // Copy the tokenizer (every tokenizer.* key) from this file instead of the built-in
  // synthetic vocabulary.
  const gguf::GgufFile* vocab_from = nullptr;
};

// "tiny": the shape of the test fixtures' nano-tiny models (dim 256, 2 layers, GQA 8/4).
// "dtg": DanTagGen's exact shape (dim 1024, FFN 3072, 24 layers, 16/16 heads, vocabulary
// 32006, untied output, context 2048). Throws Error(invalid_argument) for other names.
ModelSpec model_preset(std::string_view name);

// The built-in vocabulary: <unk> <s> </s>, the 256 byte tokens, single characters and
// pieces of common Danbooru tag words (so tags tokenize into real pieces), UNUSED padding,
// and DanTagGen's six special tokens at the end. Written for nanollama.
void add_synthetic_vocabulary(gguf::GgufWriter& writer, int32_t n_vocab);

// Sets every key and adds every tensor of the spec'd model to `writer` (tensor data is made
// when the writer writes). Throws Error(invalid_argument) for an impossible spec.
void build_random_model(const ModelSpec& spec, gguf::GgufWriter& writer);

// build_random_model + GgufWriter::write (atomic). `progress` gets (tensors done, total,
// bytes written).
void write_random_model(const ModelSpec& spec, const std::string& path,
                        const gguf::GgufWriter::ProgressFn& progress = {});

}  // namespace nanollama
