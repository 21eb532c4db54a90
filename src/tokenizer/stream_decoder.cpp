// SPDX-License-Identifier: Apache-2.0
// StreamDecoder: decode() one token at a time. It replays decode()'s rules (leading BOS,
// the one stripped space, a trailing EOS) incrementally and holds back the bytes of a
// character that is not complete yet.
#include "nanollama/tokenizer.h"
#include "tokenizer/utf8.h"

namespace nanollama {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, Tokenizer::DecodeOptions options)
    : tokenizer_(&tokenizer), options_(options) {}

std::string StreamDecoder::push(int32_t id) {
  const Tokenizer& tok = *tokenizer_;
  std::string piece = tok.piece(id, options_.render_special);  // throws before any state changes

  if (at_start_) {
    at_start_ = false;
    strip_space_ = tok.add_space_prefix();
    if (options_.remove_special && tok.add_bos() && id == tok.bos_id()) {
      strip_space_ = false;
      return {};
    }
  }

  // decode() drops an EOS only if it is the last token, which is known only when the next
  // token arrives (then it is shown) or at flush() (then it is dropped).
  std::string text;
  if (eos_held_) {
    eos_held_ = false;
    text = tok.piece(tok.eos_id(), options_.render_special);
    if (strip_space_ && !text.empty() && text.front() == ' ') text.erase(0, 1);
    strip_space_ = false;
  }
  if (options_.remove_special && tok.add_eos() && id == tok.eos_id()) {
    eos_held_ = true;
    piece.clear();
  } else {
    if (strip_space_ && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
    strip_space_ = false;
  }

  pending_ += text;
  pending_ += piece;
  const size_t ready = pending_.size() - tokenizer_detail::incomplete_tail_length(pending_);
  std::string out = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out = std::move(pending_);
  reset();
  return out;
}

void StreamDecoder::reset() {
  at_start_ = true;
  strip_space_ = false;
  eos_held_ = false;
  pending_.clear();
}

}  // namespace nanollama
