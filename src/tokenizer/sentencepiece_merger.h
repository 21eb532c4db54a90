// SPDX-License-Identifier: Apache-2.0
// The merge step, delegated to libsentencepiece: one BPE model whose pieces are exactly the
// vocabulary (docs/TOKENIZER.md). Everything around it (special tokens, the
// leading space, invalid UTF-8) is done by the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace nanollama::tokenizer_detail {

struct Vocabulary;

class SentencePieceMerger {
 public:
  // Builds the model for `vocab`; `source` names the file in error messages.
  SentencePieceMerger(const Vocabulary& vocab, const std::string& source);
  ~SentencePieceMerger();
  SentencePieceMerger(SentencePieceMerger&&) noexcept;
  SentencePieceMerger& operator=(SentencePieceMerger&&) noexcept;

  // Appends the ids of `text`, which must be well-formed UTF-8 with spaces already turned
  // into U+2581. Characters that form no token come out as their byte tokens. Safe to call
  // from several threads at once.
  void encode(std::string_view text, const Vocabulary& vocab, std::vector<int32_t>& out) const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  int unknown_piece_id_ = 0;
};

}  // namespace nanollama::tokenizer_detail
