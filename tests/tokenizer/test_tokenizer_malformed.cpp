// SPDX-License-Identifier: Apache-2.0
// Broken vocabularies are refused at load with an Error that says what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "nanollama/error.h"
#include "tokenizer/tokenizer_test_support.h"

namespace nanollama::testing {
namespace {

// Builds from `writer` and expects an Error with `code` whose message contains every one
// of `parts`.
void expect_load_error(const gguf::GgufWriter& writer, ErrorCode code, std::initializer_list<std::string> parts) {
  try {
    (void)tokenizer_from(writer);
    ADD_FAILURE() << "the vocabulary was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    const std::string message = e.what();
    EXPECT_NE(message.find("synthetic.gguf"), std::string::npos) << message;
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

gguf::GgufWriter base() {
  SyntheticVocab v;
  v.add("\xE2\x96\x81", -10);
  v.add("a", -5);
  return v.writer();
}

TEST(TokenizerMalformed, TheBaseVocabularyLoads) { EXPECT_NO_THROW((void)tokenizer_from(base())); }

TEST(TokenizerMalformed, ModelKey) {
  auto w = base();
  w.erase("tokenizer.ggml.model");
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.model", "missing"});
  w.set("tokenizer.ggml.model", "gpt2");
  expect_load_error(w, ErrorCode::unsupported, {"tokenizer.ggml.model", "'gpt2'", "llama"});
  w.set("tokenizer.ggml.model", static_cast<uint32_t>(1));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.model", "u32"});
}

TEST(TokenizerMalformed, MissingArrays) {
  for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"}) {
    auto w = base();
    w.erase(key);
    expect_load_error(w, ErrorCode::bad_format, {key, "missing"});
  }
}

TEST(TokenizerMalformed, WrongElementTypes) {
  auto w = base();
  w.set("tokenizer.ggml.tokens", std::vector<int32_t>{1, 2, 3});
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.tokens", "array of i32", "array of strings"});

  w = base();
  w.set("tokenizer.ggml.tokens", "just one string");
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.tokens", "string"});

  w = base();
  w.set("tokenizer.ggml.scores", std::vector<std::string>(261, "x"));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.scores", "array of string"});

  w = base();
  w.set("tokenizer.ggml.token_type", std::vector<float>(261, 1.0f));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.token_type", "array of f32", "i32"});
}

TEST(TokenizerMalformed, LengthsDiffer) {
  auto w = base();
  w.set("tokenizer.ggml.scores", std::vector<float>(260, 0.0f));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.scores", "260", "261"});

  w = base();
  w.set("tokenizer.ggml.token_type", std::vector<int32_t>(262, 1));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.token_type", "262", "261"});

  w = base();
  w.set("tokenizer.ggml.tokens", std::vector<std::string>{});
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.tokens"});
}

TEST(TokenizerMalformed, SpecialIdsOutsideTheVocabulary) {
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                          "tokenizer.ggml.padding_token_id"}) {
    auto w = base();
    w.set(key, static_cast<uint32_t>(261));
    expect_load_error(w, ErrorCode::bad_format, {key, "261", "outside the vocabulary of 261"});
    w.set(key, "one");
    expect_load_error(w, ErrorCode::bad_format, {key});
    // 0xFFFFFFFF (and -1) mean "no such token", as the converters write them.
    w.set(key, static_cast<uint32_t>(0xFFFFFFFF));
    EXPECT_NO_THROW((void)tokenizer_from(w)) << key;
    w.set(key, static_cast<int32_t>(-1));
    EXPECT_NO_THROW((void)tokenizer_from(w)) << key;
  }
}

TEST(TokenizerMalformed, WrongFlagTypes) {
  auto w = base();
  w.set("tokenizer.ggml.add_bos_token", static_cast<uint32_t>(1));
  expect_load_error(w, ErrorCode::bad_format, {"tokenizer.ggml.add_bos_token"});
}

TEST(TokenizerMalformed, DuplicateTexts) {
  SyntheticVocab v;
  const int32_t first = v.add("dup", -1);
  const int32_t second = v.add("dup", -2);
  expect_load_error(v.writer(), ErrorCode::bad_format,
                    {"'dup'", "twice", std::to_string(first), std::to_string(second)});

  // An empty text reads as "[EMPTY_<id>]", which can then collide with a real one.
  SyntheticVocab e;
  const int32_t empty = e.add("", 0);
  e.add("[EMPTY_" + std::to_string(empty) + "]", 0);
  expect_load_error(e.writer(), ErrorCode::bad_format, {"[EMPTY_" + std::to_string(empty) + "]", "twice"});
}

TEST(TokenizerMalformed, MissingByteTokens) {
  SyntheticVocab v;
  v.tokens[static_cast<size_t>(SyntheticVocab::byte_id(0x9C))] = "not a byte";
  v.types[static_cast<size_t>(SyntheticVocab::byte_id(0x9C))] = static_cast<int32_t>(TokenType::normal);
  expect_load_error(v.writer(), ErrorCode::bad_format, {"byte 0x9C", "<0x9C>"});

  // A vocabulary with no byte tokens at all.
  auto w = v.writer();
  w.set("tokenizer.ggml.tokens", std::vector<std::string>{"<unk>", "<s>", "</s>", "a"});
  w.set("tokenizer.ggml.scores", std::vector<float>(4, 0.0f));
  w.set("tokenizer.ggml.token_type", std::vector<int32_t>{2, 3, 3, 1});
  expect_load_error(w, ErrorCode::bad_format, {"byte 0x00"});
}

TEST(TokenizerMalformed, ByteTypeWithoutByteSpelling) {
  SyntheticVocab v;
  const int32_t id = v.add("<0xZZ>", 0, TokenType::byte);
  expect_load_error(v.writer(), ErrorCode::bad_format, {"token " + std::to_string(id), "BYTE", "<0xNN>"});
}

TEST(TokenizerMalformed, NanScore) {
  SyntheticVocab v;
  const int32_t id = v.add("a", std::numeric_limits<float>::quiet_NaN());
  expect_load_error(v.writer(), ErrorCode::bad_format, {"token " + std::to_string(id), "NaN"});
}

}  // namespace
}  // namespace nanollama::testing
