// SPDX-License-Identifier: Apache-2.0
// The built-in vocabulary of generated models (see model_builder.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nanollama {

struct SyntheticVocabulary {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;  // GGUF token types
  // How strongly a random model's output layer favours each token (0 for most; whole tag
  // words, the comma and EOS get more) so that random weights still write tag-shaped text.
  std::vector<float> output_boost;
};

// Throws Error(invalid_argument) if n_vocab cannot hold the fixed part (about 400 tokens).
SyntheticVocabulary make_synthetic_vocabulary(int32_t n_vocab);

}  // namespace nanollama
