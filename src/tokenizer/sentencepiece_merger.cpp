// SPDX-License-Identifier: Apache-2.0
#include "tokenizer/sentencepiece_merger.h"

#include <sentencepiece_processor.h>

#include "nanollama/error.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/vocabulary.h"

namespace nanollama::tokenizer_detail {
namespace {

// sentencepiece insists on exactly one UNKNOWN piece. Every real entry goes in as NORMAL
// (so merges may form any entry, as in llama.cpp), so the UNKNOWN piece is made up: a text
// starting with 0xFF, which no well-formed input can contain, made longer until no token
// has it.
std::string unused_unknown_text(const Vocabulary& vocab) {
  std::string text = "\xFFnanollama-unknown";
  while (vocab.ids_by_text.count(text) != 0) text += '\xFF';
  return text;
}

}  // namespace

SentencePieceMerger::SentencePieceMerger(const Vocabulary& vocab, const std::string& source)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), unknown_piece_id_(vocab.size()) {
  const std::string proto = serialize_model_proto(vocab, unused_unknown_text(vocab));
  const auto status = processor_->LoadFromSerializedProto(proto);
  if (!status.ok()) {
    throw Error(ErrorCode::bad_format,
                source + ": tokenizer: sentencepiece rejected the vocabulary: " + status.ToString());
  }
}

SentencePieceMerger::~SentencePieceMerger() = default;
SentencePieceMerger::SentencePieceMerger(SentencePieceMerger&&) noexcept = default;
SentencePieceMerger& SentencePieceMerger::operator=(SentencePieceMerger&&) noexcept = default;

void SentencePieceMerger::encode(std::string_view text, const Vocabulary& vocab, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  // SentencePieceProcessor::Encode is const and keeps all of its working state on the stack
  // (normalizer and BPE model read only their tables), so one processor serves many threads.
  sentencepiece::ImmutableSentencePieceText result;
  const auto status = processor_->Encode(text, result.mutable_proto());
  if (!status.ok()) {
    throw Error(ErrorCode::internal, "tokenizer: sentencepiece failed to encode a fragment: " + status.ToString());
  }
  const size_t n = result.pieces_size();
  for (size_t i = 0; i < n; ++i) {
    const auto piece = result.pieces(static_cast<int>(i));
    const auto id = static_cast<int32_t>(piece.id());
    if (id != unknown_piece_id_) {
      out.push_back(id);
      continue;
    }
    // A run of characters that formed no token: llama.cpp emits their bytes.
    const size_t begin = piece.begin();
    const size_t end = piece.end();
    if (begin > end || end > text.size()) {
      throw Error(ErrorCode::internal, "tokenizer: sentencepiece returned an unknown piece outside its input");
    }
    for (size_t b = begin; b < end; ++b) {
      out.push_back(vocab.byte_ids[static_cast<uint8_t>(text[b])]);
    }
  }
}

}  // namespace nanollama::tokenizer_detail
