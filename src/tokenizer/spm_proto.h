// SPDX-License-Identifier: Apache-2.0
// A SentencePiece ModelProto written by hand (Debian ships no sentencepiece_model.pb.h),
// for SentencePieceProcessor::LoadFromSerializedProto. Field numbers: docs/TOKENIZER.md,
// "The ModelProto fields nanollama writes".
#pragma once

#include <string>
#include <string_view>

namespace nanollama::tokenizer_detail {

struct Vocabulary;

// A BPE model over every vocabulary entry, in id order, each as a NORMAL piece with its
// score, followed by one UNKNOWN piece with the text `unknown_piece` (which must differ from
// every token text) at id vocab.size(). The normalizer does nothing: identity, no dummy
// prefix, no whitespace collapsing or escaping (the caller escapes spaces itself).
std::string serialize_model_proto(const Vocabulary& vocab, std::string_view unknown_piece);

}  // namespace nanollama::tokenizer_detail
