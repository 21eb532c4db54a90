// SPDX-License-Identifier: Apache-2.0
// Tokenizer::piece and Tokenizer::decode: llama.cpp's token_to_piece and detokenize for SPM
// vocabularies (docs/TOKENIZER.md, "Decoding").
#include "tokenizer/tokenizer_impl.h"

namespace nanollama {
namespace {

using tokenizer_detail::Vocabulary;

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";

uint8_t hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  return static_cast<uint8_t>(c - 'A' + 10);  // the loader admits only hex digits here
}

// Appends what token `id` (already checked) contributes to the text.
void append_piece(std::string& out, const Vocabulary& vocab, int32_t id, bool render_special) {
  const std::string_view text = vocab.texts[static_cast<size_t>(id)];
  switch (vocab.types[static_cast<size_t>(id)]) {
    case TokenType::normal: {
      size_t start = 0;
      for (size_t pos = text.find(kSpaceSymbol); pos != std::string_view::npos; pos = text.find(kSpaceSymbol, start)) {
        out.append(text.substr(start, pos - start));
        out += ' ';
        start = pos + kSpaceSymbol.size();
      }
      out.append(text.substr(start));
      return;
    }
    case TokenType::byte:  // spelled <0xNN>, checked at load
      out += static_cast<char>((hex_value(text[3]) << 4) | hex_value(text[4]));
      return;
    case TokenType::user_defined:
      out.append(text);
      return;
    case TokenType::control:
    case TokenType::unknown:
      if (render_special) out.append(text);
      return;
    case TokenType::unused:
    case TokenType::undefined:
      return;  // llama.cpp shows these as nothing, whatever render_special says
  }
}

}  // namespace

std::string Tokenizer::piece(int32_t id, bool render_special) const {
  impl_->check_id(id);
  std::string out;
  append_piece(out, impl_->vocab, id, render_special);
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, DecodeOptions options) const {
  const Vocabulary& vocab = impl_->vocab;
  for (const int32_t id : ids) impl_->check_id(id);

  size_t begin = 0;
  size_t end = ids.size();
  // The first token that is looked at loses one leading space, even if it shows as nothing
  // (a hidden BOS uses the strip up). A leading BOS removed by remove_special does not
  // count, and disables the strip: the text after it keeps its space.
  bool strip_space = vocab.add_space_prefix;
  if (options.remove_special && vocab.add_bos && end > begin && ids[begin] == vocab.bos_id) {
    strip_space = false;
    ++begin;
  }
  if (options.remove_special && vocab.add_eos && end > begin && ids[end - 1] == vocab.eos_id) --end;

  std::string text;
  text.reserve((end - begin) * 4);
  for (size_t i = begin; i < end; ++i) {
    const size_t start = text.size();
    append_piece(text, vocab, ids[i], options.render_special);
    if (strip_space && text.size() > start && text[start] == ' ') text.erase(start, 1);
    strip_space = false;
  }
  return text;
}

}  // namespace nanollama
