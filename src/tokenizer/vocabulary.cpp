// SPDX-License-Identifier: Apache-2.0
// Loading and checking a GGUF "llama" vocabulary. Defaults follow llama.cpp (docs/TOKENIZER.md,
// "From the GGUF arrays"); where llama.cpp would warn and carry on with a broken vocabulary, this loader
// refuses it with a message that names the key, the id or the text at fault.
#include "tokenizer/vocabulary.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "nanollama/error.h"
#include "nanollama/gguf.h"

namespace nanollama::tokenizer_detail {
namespace {

using gguf::GgufFile;
using gguf::Value;
using gguf::ValueType;

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";

class Loader {
 public:
  explicit Loader(const GgufFile& file) : file_(file) {}

  Vocabulary load() {
    check_model();
    Vocabulary v;
    read_texts(v);
    read_scores(v);
    read_types(v);
    index_texts(v);
    find_byte_tokens(v);
    read_special_ids(v);
    list_special_tokens(v);
    return v;
  }

 private:
  [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
    throw Error(code, file_.path() + ": tokenizer: " + what);
  }

  static std::string type_label(const Value& v) {
    if (!v.is_array()) return std::string(gguf::value_type_name(v.type()));
    return "array of " + std::string(gguf::value_type_name(v.element_type()));
  }

  // A token text fit for an error message: printable ASCII kept, the rest as \xNN.
  static std::string shown(std::string_view text) {
    constexpr size_t kMaxShown = 40;
    std::string out = "'";
    for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
        out += static_cast<char>(c);
      } else {
        constexpr char kHex[] = "0123456789ABCDEF";
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    if (text.size() > kMaxShown) out += "...";
    return out + "'";
  }

  const Value& require_array(std::string_view key, std::string_view expected,
                             std::initializer_list<ValueType> element_types, size_t expected_length) const {
    const Value* v = file_.find(key);
    if (v == nullptr) fail(ErrorCode::bad_format, std::string(key) + " is missing");
    const bool type_ok = v->is_array() && std::find(element_types.begin(), element_types.end(),
                                                    v->element_type()) != element_types.end();
    if (!type_ok) {
      fail(ErrorCode::bad_format, std::string(key) + " has type " + type_label(*v) + ", expected " +
                                      std::string(expected));
    }
    if (expected_length != SIZE_MAX && v->size() != expected_length) {
      fail(ErrorCode::bad_format, std::string(key) + " has " + std::to_string(v->size()) + " entries but " +
                                      std::string(kTokensKey) + " has " + std::to_string(expected_length));
    }
    return *v;
  }

  // The stored vector of an array require_array() has checked.
  template <class T>
  const T& elements(const Value& v, std::string_view key) const {
    const T* p = v.get_if<T>();
    if (p == nullptr) fail(ErrorCode::bad_format, std::string(key) + " has type " + type_label(v));
    return *p;
  }

  void check_model() const {
    const Value* v = file_.find(kModelKey);
    if (v == nullptr) fail(ErrorCode::bad_format, std::string(kModelKey) + " is missing");
    const auto* model = v->get_if<std::string>();
    if (model == nullptr) {
      fail(ErrorCode::bad_format, std::string(kModelKey) + " has type " + type_label(*v) + ", expected string");
    }
    if (*model != "llama") {
      fail(ErrorCode::unsupported, std::string(kModelKey) + " is " + shown(*model) +
                                       "; only 'llama' (SentencePiece-style) vocabularies are supported");
    }
  }

  void read_texts(Vocabulary& v) const {
    const Value& tokens = require_array(kTokensKey, "an array of strings", {ValueType::STRING}, SIZE_MAX);
    const auto& texts = elements<std::vector<std::string>>(tokens, kTokensKey);
    if (texts.empty()) fail(ErrorCode::bad_format, std::string(kTokensKey) + " is empty");
    if (texts.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      fail(ErrorCode::bad_format, std::string(kTokensKey) + " has more tokens than 32-bit ids can number");
    }
    v.texts = texts;
    // llama.cpp renames empty texts so that every token has a distinct, non-empty text.
    for (size_t id = 0; id < v.texts.size(); ++id) {
      if (v.texts[id].empty()) v.texts[id] = "[EMPTY_" + std::to_string(id) + "]";
    }
  }

  void read_scores(Vocabulary& v) const {
    const Value& scores = require_array(kScoresKey, "an array of f32 (or i32)", {ValueType::FLOAT32, ValueType::INT32},
                                        v.texts.size());
    if (scores.element_type() == ValueType::FLOAT32) {
      v.scores = elements<std::vector<float>>(scores, kScoresKey);
    } else {
      const auto& ints = elements<std::vector<int32_t>>(scores, kScoresKey);
      v.scores.assign(ints.begin(), ints.end());
    }
    for (size_t id = 0; id < v.scores.size(); ++id) {
      // A NaN would break the merge queue's ordering.
      if (std::isnan(v.scores[id])) fail(ErrorCode::bad_format, "the score of token " + std::to_string(id) + " is NaN");
    }
  }

  void read_types(Vocabulary& v) const {
    const Value& types = require_array(kTypesKey, "an array of i32", {ValueType::INT32}, v.texts.size());
    const auto& raw = elements<std::vector<int32_t>>(types, kTypesKey);
    v.types.resize(raw.size());
    for (size_t id = 0; id < raw.size(); ++id) {
      const int32_t t = raw[id];
      v.types[id] = (t >= 0 && t <= 6) ? static_cast<TokenType>(t) : TokenType::undefined;
      if (v.types[id] == TokenType::byte && !is_byte_spelling(v.texts[id])) {
        fail(ErrorCode::bad_format, "token " + std::to_string(id) + " has type BYTE but its text " +
                                        shown(v.texts[id]) + " is not of the form <0xNN>");
      }
    }
  }

  static bool is_byte_spelling(std::string_view text) {
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
    return text.size() == 6 && text.starts_with("<0x") && hex(text[3]) && hex(text[4]) && text[5] == '>';
  }

  void index_texts(Vocabulary& v) const {
    v.ids_by_text.reserve(v.texts.size());
    for (int32_t id = 0; id < v.size(); ++id) {
      const auto [it, inserted] = v.ids_by_text.emplace(v.texts[static_cast<size_t>(id)], id);
      if (!inserted) {
        fail(ErrorCode::bad_format, "the token text " + shown(v.texts[static_cast<size_t>(id)]) + " appears twice (ids " +
                                        std::to_string(it->second) + " and " + std::to_string(id) + ")");
      }
    }
  }

  void find_byte_tokens(Vocabulary& v) const {
    constexpr char kHex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const std::string spelled = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      auto it = v.ids_by_text.find(spelled);
      if (it == v.ids_by_text.end()) it = v.ids_by_text.find(std::string(1, static_cast<char>(b)));
      if (it == v.ids_by_text.end()) {
        fail(ErrorCode::bad_format, "no token for byte 0x" + std::string{kHex[b >> 4], kHex[b & 15]} + " (neither " +
                                        spelled +
                                        " nor the byte itself); byte fallback needs a token for each of the 256 bytes");
      }
      v.byte_ids[static_cast<size_t>(b)] = it->second;
    }
  }

  // nullopt if the key is absent or holds the "no token" marker -1 / 0xFFFFFFFF (converters
  // write that for unset ids); an id outside the vocabulary is an error.
  std::optional<int32_t> read_id(std::string_view key, const Vocabulary& v) const {
    if (!file_.contains(key)) return std::nullopt;
    const auto raw = file_.get<int64_t>(key);
    if (raw == -1 || raw == 0xFFFFFFFF) return std::nullopt;
    if (raw < 0 || raw >= v.size()) {
      fail(ErrorCode::bad_format, std::string(key) + " is " + std::to_string(raw) + ", outside the vocabulary of " +
                                      std::to_string(v.size()) + " tokens");
    }
    return static_cast<int32_t>(raw);
  }

  void read_special_ids(Vocabulary& v) const {
    constexpr std::string_view kBos = "tokenizer.ggml.bos_token_id";
    constexpr std::string_view kEos = "tokenizer.ggml.eos_token_id";
    constexpr std::string_view kUnk = "tokenizer.ggml.unknown_token_id";
    // llama.cpp's defaults; always inside the vocabulary, which holds at least the 256
    // byte tokens by now.
    v.bos_id = read_id(kBos, v).value_or(1);
    v.eos_id = read_id(kEos, v).value_or(2);
    v.unk_id = read_id(kUnk, v).value_or(0);
    v.pad_id = read_id("tokenizer.ggml.padding_token_id", v);
    v.add_bos = file_.get_or<bool>("tokenizer.ggml.add_bos_token", true);
    v.add_eos = file_.get_or<bool>("tokenizer.ggml.add_eos_token", false);
    v.add_space_prefix = file_.get_or<bool>("tokenizer.ggml.add_space_prefix", true);
  }

  static void list_special_tokens(Vocabulary& v) {
    for (int32_t id = 0; id < v.size(); ++id) {
      const TokenType t = v.types[static_cast<size_t>(id)];
      if (t == TokenType::control || t == TokenType::user_defined || t == TokenType::unknown) v.special_ids.push_back(id);
    }
    // llama.cpp sorts by length only, so its order among equal lengths is unspecified;
    // ties by id make ours deterministic (docs/TOKENIZER.md).
    std::stable_sort(v.special_ids.begin(), v.special_ids.end(), [&](int32_t a, int32_t b) {
      return v.texts[static_cast<size_t>(a)].size() > v.texts[static_cast<size_t>(b)].size();
    });
  }

  const GgufFile& file_;
};

}  // namespace

Vocabulary load_vocabulary(const gguf::GgufFile& file) { return Loader(file).load(); }

}  // namespace nanollama::tokenizer_detail
