// SPDX-License-Identifier: Apache-2.0
#include "tokenizer/tokenizer_test_support.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "support/test_support.h"

namespace nanollama::testing {

const Tokenizer& fixture_tokenizer(const std::string& model) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[model];
  if (!slot) slot = Tokenizer::from_gguf(*gguf::GgufFile::open(fixture(model).string()));
  return *slot;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd-length hex string");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  return out;
}

std::string to_hex(std::string_view bytes) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

SyntheticVocab::SyntheticVocab() {
  add("<unk>", 0, TokenType::unknown);
  add("<s>", 0, TokenType::control);
  add("</s>", 0, TokenType::control);
  constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) add(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">", 0, TokenType::byte);
}

int32_t SyntheticVocab::add(const std::string& text, float score, TokenType type) {
  tokens.push_back(text);
  scores.push_back(score);
  types.push_back(static_cast<int32_t>(type));
  return static_cast<int32_t>(tokens.size() - 1);
}

gguf::GgufWriter SyntheticVocab::writer() const {
  gguf::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("tokenizer.ggml.model", "llama");
  w.set("tokenizer.ggml.tokens", tokens);
  w.set("tokenizer.ggml.scores", scores);
  w.set("tokenizer.ggml.token_type", types);
  return w;
}

std::shared_ptr<const Tokenizer> SyntheticVocab::build() const { return tokenizer_from(writer()); }

std::shared_ptr<const Tokenizer> tokenizer_from(const gguf::GgufWriter& writer) {
  const std::vector<uint8_t> bytes = writer.write_to_memory();
  // The tokenizer copies what it needs, so the bytes may go once it is built.
  return Tokenizer::from_gguf(*gguf::GgufFile::parse(bytes, "synthetic.gguf"));
}

}  // namespace nanollama::testing
