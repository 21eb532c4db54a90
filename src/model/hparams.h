// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "nanollama/gguf.h"
#include "nanollama/model.h"

namespace nanollama {

// Reads and checks the hyperparameters of a llama GGUF. n_vocab is 0 when neither the token
// list nor llama.vocab_size gives it (the loader then takes it from token_embd).
Hyperparameters read_hyperparameters(const gguf::GgufFile& file);

}  // namespace nanollama
