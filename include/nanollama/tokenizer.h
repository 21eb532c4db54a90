// SPDX-License-Identifier: Apache-2.0
// Text to token ids and back for SentencePiece-style LLaMA vocabularies
// (tokenizer.ggml.model = "llama"), read from the GGUF file itself.
//
// The ids are the ones llama.cpp produces for the same file (llama_tokenize and
// llama_detokenize); docs/TOKENIZER.md lists every rule and the few documented differences.
//
// Thread contract: a Tokenizer is immutable after from_gguf() returns. Any number of threads
// may call its const methods at the same time on one shared instance. A StreamDecoder holds
// per-stream state: use one per stream (or lock it); it refers to its Tokenizer, which must
// outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nanollama {

namespace gguf {
class GgufFile;
}

// Token types, numbered as in GGUF's tokenizer.ggml.token_type (and SentencePiece). Values
// outside 0..6 in a file are read as `undefined`, as llama.cpp does.
enum class TokenType : int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,       // <unk>
  control = 3,       // <s>, </s>: matched in text only with parse_special
  user_defined = 4,  // e.g. DanTagGen's <|empty|>: always matched in text
  unused = 5,
  byte = 6,  // <0x00> .. <0xFF>
};

class Tokenizer {
 public:
  // Reads tokenizer.ggml.* from `file` and builds the tokenizer. Throws nanollama::Error
  // (bad_format or unsupported) naming the file and what is wrong: model not "llama",
  // a missing token, score or token-type array, arrays of different lengths or wrong element
  // types, duplicate token texts, a BOS/EOS/UNK/PAD id outside the vocabulary, a BYTE token
  // not spelled <0xNN>, or a byte value with no token to fall back to.
  static std::shared_ptr<const Tokenizer> from_gguf(const gguf::GgufFile& file);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  struct EncodeOptions {
    // Add BOS (if tokenizer.ggml.add_bos_token, default true) and EOS (if
    // tokenizer.ggml.add_eos_token, default false).
    bool add_special = true;
    // Match CONTROL and UNKNOWN token texts (<s>, </s>, <unk>) in the text. USER_DEFINED
    // tokens are matched either way.
    bool parse_special = true;
    // Longer text is refused (Error(invalid_argument)) before any of it is read: a bound on
    // the work one call can be made to do. Raise it for long documents.
    size_t max_bytes = size_t{1} << 20;
  };
  // Accepts any byte string up to options.max_bytes: malformed UTF-8 becomes byte tokens, as
  // in llama.cpp.
  std::vector<int32_t> encode(std::string_view text, EncodeOptions options) const;
  std::vector<int32_t> encode(std::string_view text) const { return encode(text, EncodeOptions{}); }

  struct DecodeOptions {
    // Drop a leading BOS (then the text after it keeps its leading space) and, if the
    // vocabulary adds EOS, a trailing EOS.
    bool remove_special = false;
    // Show CONTROL and UNKNOWN tokens as their text (e.g. "<s>") instead of nothing.
    bool render_special = false;
  };
  // The text of `ids`, as llama_detokenize gives it: one leading space is removed from the
  // first token's piece (tokenizer.ggml.add_space_prefix, default true). The result can be
  // invalid UTF-8 if the ids are (e.g. a lone byte token). Throws Error(invalid_argument)
  // for an id outside the vocabulary.
  std::string decode(std::span<const int32_t> ids, DecodeOptions options) const;
  std::string decode(std::span<const int32_t> ids) const { return decode(ids, DecodeOptions{}); }

  // The bytes one token contributes: "▁" becomes a space, <0xNN> the byte, USER_DEFINED its
  // text, CONTROL/UNKNOWN their text only if render_special, UNUSED/UNDEFINED nothing. No
  // leading-space stripping. Throws Error(invalid_argument) for an id out of range.
  std::string piece(int32_t id, bool render_special = false) const;

  // Exact lookup of a token's text, e.g. "<|input_end|>" or "▁hello".
  std::optional<int32_t> find_token(std::string_view text) const;
  // Like find_token, but throws Error(invalid_argument) naming the text when absent.
  int32_t token_id(std::string_view text) const;

  int32_t n_vocab() const;
  int32_t bos_id() const;
  int32_t eos_id() const;
  int32_t unk_id() const;
  std::optional<int32_t> pad_id() const;
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;

  // Per-token data; each throws Error(invalid_argument) for an id out of range. An empty
  // text in the file reads as "[EMPTY_<id>]", as llama.cpp renames it.
  std::string_view token_text(int32_t id) const;
  TokenType token_type(int32_t id) const;
  float token_score(int32_t id) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

// Incremental decoding for streaming generation. push() returns the text that is final
// after one more token; the concatenation of every push() and the final flush() equals
// decode() of the whole sequence with the same options. Output is only ever cut at UTF-8
// character boundaries: bytes that begin a character that is not complete yet are held
// back until it is. Bytes that can never become valid UTF-8 are passed through unchanged,
// exactly as decode() returns them.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, Tokenizer::DecodeOptions options = {});

  // Throws Error(invalid_argument) for an id out of range (the state is left unchanged).
  std::string push(int32_t id);
  // Ends the sequence: returns whatever is still held back (an incomplete character is
  // returned as its raw bytes) and resets, ready for a new sequence.
  std::string flush();
  // Forgets everything held and starts a new sequence.
  void reset();

 private:
  const Tokenizer* tokenizer_;
  Tokenizer::DecodeOptions options_;
  bool at_start_ = true;      // the next token is the sequence's first
  bool strip_space_ = false;  // the next piece loses one leading space
  bool eos_held_ = false;     // a final EOS may still be dropped (remove_special)
  std::string pending_;       // bytes of an incomplete UTF-8 character
};

}  // namespace nanollama
