// SPDX-License-Identifier: Apache-2.0
// What a Tokenizer holds. Shared by the files that implement its parts (encode, decode,
// lookups); nothing outside src/tokenizer includes it.
#pragma once

#include "nanollama/tokenizer.h"
#include "tokenizer/sentencepiece_merger.h"
#include "tokenizer/vocabulary.h"

namespace nanollama {

struct Tokenizer::Impl {
  tokenizer_detail::Vocabulary vocab;
  tokenizer_detail::SentencePieceMerger merger;

  // Throws Error(invalid_argument) unless `id` names a token.
  void check_id(int32_t id) const;
};

}  // namespace nanollama
