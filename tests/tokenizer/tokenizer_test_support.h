// SPDX-License-Identifier: Apache-2.0
// Helpers for the tokenizer tests: fixture tokenizers, hex strings, and small synthetic
// vocabularies written with GgufWriter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nanollama/gguf.h"
#include "nanollama/tokenizer.h"

namespace nanollama::testing {

// The tokenizer of a fixture model (e.g. "models/nano-tiny-f16.gguf"), built once per
// program. Call only after NANOLLAMA_REQUIRE_FIXTURES().
const Tokenizer& fixture_tokenizer(const std::string& model);

std::string from_hex(std::string_view hex);
std::string to_hex(std::string_view bytes);

// A LLaMA-shaped vocabulary to build on: <unk> (UNKNOWN, id 0), <s> and </s> (CONTROL,
// ids 1 and 2), then the 256 byte tokens <0x00>..<0xFF> (ids 3..258), all with score 0.
struct SyntheticVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;

  SyntheticVocab();
  // Appends a token and returns its id.
  int32_t add(const std::string& text, float score, TokenType type = TokenType::normal);
  static int32_t byte_id(uint8_t b) { return 3 + b; }

  // A writer holding tokenizer.ggml.model/tokens/scores/token_type; tests add or change keys.
  gguf::GgufWriter writer() const;
  // Builds the tokenizer from writer() as it is.
  std::shared_ptr<const Tokenizer> build() const;
};

// Writes `writer` to memory, parses it and builds the tokenizer (throws what from_gguf throws).
std::shared_ptr<const Tokenizer> tokenizer_from(const gguf::GgufWriter& writer);

}  // namespace nanollama::testing
