// SPDX-License-Identifier: Apache-2.0
// Tokenizer::encode: llama.cpp's SPM tokenization (docs/TOKENIZER.md, "Encoding"), with the
// merge step done by sentencepiece.
#include <algorithm>
#include <string>

#include "nanollama/error.h"
#include "tokenizer/special_split.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace nanollama {
namespace {

using tokenizer_detail::SentencePieceMerger;
using tokenizer_detail::Vocabulary;

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// `out` += `raw` with every ASCII space replaced by U+2581 (the only normalization).
void append_escaped(std::string& out, std::string_view raw) {
  size_t start = 0;
  for (size_t pos = raw.find(' '); pos != std::string_view::npos; pos = raw.find(' ', start)) {
    out.append(raw.substr(start, pos - start));
    out.append(kSpaceSymbol);
    start = pos + 1;
  }
  out.append(raw.substr(start));
}

// Merges one escaped fragment. llama.cpp cuts it into symbols by lead-byte length; a symbol
// that is not a well-formed character can join no token (no token text is malformed
// UTF-8), so it ends up as byte tokens and splits the fragment into independent stretches.
// Only the well-formed stretches go to sentencepiece, which would otherwise turn each bad
// byte into U+FFFD.
void encode_escaped(std::string_view text, const Vocabulary& vocab, const SentencePieceMerger& merger,
                    std::vector<int32_t>& out) {
  size_t stretch_start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t length =
        std::min(tokenizer_detail::lead_byte_length(static_cast<uint8_t>(text[pos])), text.size() - pos);
    const std::string_view symbol = text.substr(pos, length);
    if (tokenizer_detail::is_one_valid_char(symbol)) {
      pos += length;
      continue;
    }
    merger.encode(text.substr(stretch_start, pos - stretch_start), vocab, out);
    for (const char byte : symbol) out.push_back(vocab.byte_ids[static_cast<uint8_t>(byte)]);
    pos += length;
    stretch_start = pos;
  }
  merger.encode(text.substr(stretch_start), vocab, out);
}

}  // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  if (text.size() > options.max_bytes) {
    throw Error(ErrorCode::invalid_argument, "tokenizer: the text is " + std::to_string(text.size()) +
                                                 " bytes long; encode takes at most " + std::to_string(options.max_bytes));
  }
  const Vocabulary& vocab = impl_->vocab;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (options.add_special && vocab.add_bos) ids.push_back(vocab.bos_id);

  // llama.cpp puts one space before the first raw fragment (BOS or not) and before every
  // raw fragment that follows a special token.
  bool after_special = true;
  std::string escaped;
  for (const auto& fragment : tokenizer_detail::split_special_tokens(text, vocab, options.parse_special)) {
    if (fragment.is_token()) {
      ids.push_back(fragment.token);
      after_special = true;
      continue;
    }
    escaped.clear();
    if (vocab.add_space_prefix && after_special) escaped.append(kSpaceSymbol);
    append_escaped(escaped, text.substr(fragment.offset, fragment.length));
    encode_escaped(escaped, vocab, impl_->merger, ids);
    after_special = false;
  }

  if (options.add_special && vocab.add_eos) ids.push_back(vocab.eos_id);
  return ids;
}

}  // namespace nanollama
