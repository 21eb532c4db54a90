// SPDX-License-Identifier: Apache-2.0
// llama.cpp's tokenization rules on small synthetic vocabularies (no fixtures needed).
// Every expected id below is worked out by hand from the rules in docs/TOKENIZER.md ("Encoding");
// the comments show the reasoning.
#include <gtest/gtest.h>

#include "nanollama/error.h"
#include "tokenizer/tokenizer_test_support.h"

namespace nanollama::testing {
namespace {

using Ids = std::vector<int32_t>;
constexpr Tokenizer::EncodeOptions kPlain{false, false};
constexpr Tokenizer::EncodeOptions kNoBos{false, true};

int32_t byte(uint8_t b) { return SyntheticVocab::byte_id(b); }

// ids 259.. in order of adding
struct Letters {
  SyntheticVocab v;
  int32_t space, a, b, c, d, space_a, e_tok, ab_tok, bcd_tok;
  Letters() {
    space = v.add("\xE2\x96\x81", -10);
    a = v.add("a", -5);
    b = v.add("b", -5);
    c = v.add("c", -5);
    d = v.add("d", -5);
    space_a = v.add("\xE2\x96\x81" "a", -1);
    e_tok = v.add("<|e|>", 0, TokenType::user_defined);
    ab_tok = v.add("ab", 0, TokenType::user_defined);
    bcd_tok = v.add("bcd", 0, TokenType::user_defined);
  }
};

TEST(TokenizerMerge, HigherScoreMergesFirst) {
  SyntheticVocab v;
  const int32_t space = v.add("\xE2\x96\x81", -10);
  const int32_t a = v.add("a", -5);
  v.add("b", -5);
  const int32_t c = v.add("c", -5);
  v.add("ab", -1);
  const int32_t bc = v.add("bc", -0.5f);
  // "▁abc": pairs ab (-1) and bc (-0.5); bc wins, then nothing else is a token.
  EXPECT_EQ(v.build()->encode("abc", kPlain), (Ids{space, a, bc}));
  (void)c;
}

TEST(TokenizerMerge, EqualScoresMergeLeftmostFirst) {
  SyntheticVocab v;
  const int32_t space = v.add("\xE2\x96\x81", -10);
  v.add("a", -5);
  v.add("b", -5);
  const int32_t c = v.add("c", -5);
  const int32_t ab = v.add("ab", -1);
  v.add("bc", -1);
  EXPECT_EQ(v.build()->encode("abc", kPlain), (Ids{space, ab, c}));
}

TEST(TokenizerMerge, MergesReachEntriesOfEveryType) {
  // llama.cpp merges into any vocabulary entry; sentencepiece only into NORMAL/USER_DEFINED/
  // UNUSED ones. The tokenizer must follow llama.cpp (docs/TOKENIZER.md, "Encoding", rule 6).
  SyntheticVocab v;
  const int32_t space = v.add("\xE2\x96\x81", -10);
  v.add("x", -5);
  v.add("y", -5);
  const int32_t xy = v.add("xy", -1, TokenType::control);
  v.add("p", -5);
  v.add("q", -5);
  const int32_t pq = v.add("pq", -1, TokenType::unused);
  for (const char* prefix : {"<0", "<0x", "<0x4", "<0x41"}) v.add(prefix, -1);
  for (const char* prefix : {"<u", "<un", "<unk"}) v.add(prefix, -1);
  const auto tok = v.build();

  // CONTROL text, not split out without parse_special: merged like any other entry.
  EXPECT_EQ(tok->encode("xy", kPlain), (Ids{space, xy}));
  // With parse_special it is split out first, and nothing is left to get a space.
  EXPECT_EQ(tok->encode("xy", kNoBos), (Ids{xy}));
  EXPECT_EQ(tok->encode("pq", kPlain), (Ids{space, pq}));
  // <0 -> <0x -> <0x4 -> <0x41 -> <0x41> (the BYTE token for 'A', id 3 + 0x41).
  EXPECT_EQ(tok->encode("<0x41>", kPlain), (Ids{space, byte(0x41)}));
  EXPECT_EQ(tok->decode(Ids{byte(0x41)}), "A");
  // <u -> <un -> <unk -> <unk> (the UNKNOWN token).
  EXPECT_EQ(tok->encode("<unk>", kPlain), (Ids{space, 0}));
  // UNUSED tokens show as nothing, as in llama.cpp.
  EXPECT_EQ(tok->piece(pq, true), "");
}

TEST(TokenizerSpecial, LongestSpecialTokenIsSplitOutFirst) {
  Letters l;
  const auto tok = l.v.build();
  // "bcd" (3 bytes) claims its text before "ab" (2 bytes) is tried: "a" + <bcd>, although
  // "ab" starts earlier.
  EXPECT_EQ(tok->encode("abcd", kPlain), (Ids{l.space_a, l.bcd_tok}));
  EXPECT_EQ(tok->encode("abab", kPlain), (Ids{l.ab_tok, l.ab_tok}));
}

TEST(TokenizerSpecial, TextAfterASpecialTokenGetsALeadingSpace) {
  Letters l;
  const auto tok = l.v.build();
  EXPECT_EQ(tok->encode("a<|e|>a", kPlain), (Ids{l.space_a, l.e_tok, l.space_a}));
  EXPECT_EQ(tok->encode("<|e|><|e|>", kPlain), (Ids{l.e_tok, l.e_tok}));
  EXPECT_EQ(tok->encode("<|e|>", Tokenizer::EncodeOptions{}), (Ids{1, l.e_tok}));
  // A space already there is kept: "▁" + "▁a".
  EXPECT_EQ(tok->encode("<|e|> a", kPlain), (Ids{l.e_tok, l.space, l.space_a}));
}

TEST(TokenizerSpecial, ControlTokensOnlyWithParseSpecial) {
  Letters l;
  const auto tok = l.v.build();
  EXPECT_EQ(tok->encode("<s>a</s>", kNoBos), (Ids{1, l.space_a, 2}));
  EXPECT_EQ(tok->encode("<unk>", kNoBos), (Ids{0}));
  // Without it "<s>" is plain text; '<', 's', '>', '/' have no tokens: their bytes.
  EXPECT_EQ(tok->encode("<s>a</s>", kPlain), (Ids{l.space, byte('<'), byte('s'), byte('>'), l.a, byte('<'),
                                                   byte('/'), byte('s'), byte('>')}));
  // USER_DEFINED tokens are split out either way.
  EXPECT_EQ(tok->encode("a<|e|>", kPlain), (Ids{l.space_a, l.e_tok}));
}

TEST(TokenizerSpecial, BosEosAndSpacePrefixFollowTheVocabularyKeys) {
  Letters l;
  const auto tok = l.v.build();
  EXPECT_TRUE(tok->add_bos());
  EXPECT_FALSE(tok->add_eos());
  EXPECT_EQ(tok->encode("a"), (Ids{1, l.space_a}));
  EXPECT_EQ(tok->encode(""), (Ids{1}));
  EXPECT_EQ(tok->encode("", kPlain), Ids{});
  EXPECT_EQ(tok->encode(" a", kPlain), (Ids{l.space, l.space_a}));

  auto w = l.v.writer();
  w.set("tokenizer.ggml.add_bos_token", false);
  w.set("tokenizer.ggml.add_eos_token", true);
  w.set("tokenizer.ggml.add_space_prefix", false);
  const auto other = tokenizer_from(w);
  EXPECT_EQ(other->encode("a"), (Ids{l.a, 2}));
  EXPECT_EQ(other->encode("<|e|>a", kPlain), (Ids{l.e_tok, l.a}));
  EXPECT_EQ(other->decode(Ids{l.space_a}), " a");  // no space to strip either

  auto ids = l.v.writer();
  ids.set("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(l.d));
  ids.set("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(l.c));
  ids.set("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(l.b));
  const auto renumbered = tokenizer_from(ids);
  EXPECT_EQ(renumbered->bos_id(), l.d);
  EXPECT_EQ(renumbered->eos_id(), l.c);
  EXPECT_EQ(renumbered->pad_id(), l.b);
  EXPECT_EQ(renumbered->encode("a"), (Ids{l.d, l.space_a}));
}

TEST(TokenizerBytes, CharactersWithoutATokenBecomeTheirBytes) {
  Letters l;
  const auto tok = l.v.build();
  EXPECT_EQ(tok->encode("\xC3\xA9", kPlain), (Ids{l.space, byte(0xC3), byte(0xA9)}));                 // é
  EXPECT_EQ(tok->encode("\xF0\x9F\x98\x80", kPlain), (Ids{l.space, byte(0xF0), byte(0x9F), byte(0x98), byte(0x80)}));
  EXPECT_EQ(tok->encode("a\xC3\xA9" "a", kPlain), (Ids{l.space_a, byte(0xC3), byte(0xA9), l.a}));
  EXPECT_EQ(tok->encode(std::string("\0", 1), kPlain), (Ids{l.space, byte(0)}));
}

TEST(TokenizerBytes, BytesFallBackToSingleByteTextsWithoutByteTokens) {
  // llama.cpp looks for <0xNN> first, then for a token whose text is the byte itself.
  SyntheticVocab v;
  v.tokens[static_cast<size_t>(byte(0xFF))] = "\xFF";
  v.types[static_cast<size_t>(byte(0xFF))] = static_cast<int32_t>(TokenType::normal);
  const int32_t space = v.add("\xE2\x96\x81", -10);
  const auto tok = v.build();
  EXPECT_EQ(tok->encode("\xFF", kPlain), (Ids{space, byte(0xFF)}));
  EXPECT_EQ(tok->decode(Ids{byte(0xFF)}), "\xFF");
}

TEST(TokenizerBytes, InvalidUtf8IsGroupedByLeadByteAsLlamaCppDoes) {
  Letters l;
  const auto tok = l.v.build();
  // Spaces become "▁" (E2 96 81) first; the stray lead E2 then takes two more bytes as one
  // malformed symbol (E2 E2 96), and the left-over 81 is another one.
  EXPECT_EQ(tok->encode("\xE2 a", kPlain), (Ids{l.space, byte(0xE2), byte(0xE2), byte(0x96), byte(0x81), l.a}));
  // F8 claims four bytes, swallowing "cca" although 'c' and 'a' are tokens.
  EXPECT_EQ(tok->encode("\xF8" "ccad", kPlain), (Ids{l.space, byte(0xF8), byte('c'), byte('c'), byte('a'), l.d}));
  // Special tokens are split out before that: "\xF8a" + <bcd>.
  EXPECT_EQ(tok->encode("\xF8" "abcd", kPlain), (Ids{l.space, byte(0xF8), byte('a'), l.bcd_tok}));
  EXPECT_EQ(tok->encode("a\xC0\x80", kPlain), (Ids{l.space_a, byte(0xC0), byte(0x80)}));          // overlong
  EXPECT_EQ(tok->encode("\xED\xA0\x80", kPlain), (Ids{l.space, byte(0xED), byte(0xA0), byte(0x80)}));  // surrogate
  EXPECT_EQ(tok->encode("\xF4\x90\x80\x80", kPlain),
            (Ids{l.space, byte(0xF4), byte(0x90), byte(0x80), byte(0x80)}));                      // > U+10FFFF
  EXPECT_EQ(tok->encode("a\xF0\x9F", kPlain), (Ids{l.space_a, byte(0xF0), byte(0x9F)}));          // truncated
  EXPECT_EQ(tok->encode("\x80" "a", kPlain), (Ids{l.space, byte(0x80), l.a}));                    // stray continuation
  EXPECT_EQ(tok->encode("\xFF", kPlain), (Ids{l.space, byte(0xFF)}));
  // Malformed bytes split merges: "▁" and "a" are separate stretches here.
  EXPECT_EQ(tok->encode("\xC3 a", kPlain), (Ids{l.space, byte(0xC3), byte(0xE2), byte(0x96), byte(0x81), l.a}));
}

TEST(TokenizerDecode, LeadingSpaceAndSpecialTokens) {
  Letters l;
  const auto tok = l.v.build();
  using D = Tokenizer::DecodeOptions;
  EXPECT_EQ(tok->decode(Ids{l.space_a}), "a");
  EXPECT_EQ(tok->decode(Ids{l.space_a, l.space_a}), "a a");
  // A hidden BOS still counts as the first token, so the space after it stays.
  EXPECT_EQ(tok->decode(Ids{1, l.space_a}), " a");
  EXPECT_EQ(tok->decode(Ids{1, l.space_a}, D{true, false}), " a");
  EXPECT_EQ(tok->decode(Ids{1, l.space_a}, D{false, true}), "<s> a");
  EXPECT_EQ(tok->decode(Ids{1, l.space_a}, D{true, true}), " a");
  EXPECT_EQ(tok->decode(Ids{l.space_a, 2}, D{false, true}), "a</s>");
  EXPECT_EQ(tok->decode(Ids{l.space_a, 2}, D{true, true}), "a</s>");  // EOS is removed only if the vocabulary adds it
  EXPECT_EQ(tok->decode(Ids{0}), "");
  EXPECT_EQ(tok->decode(Ids{0}, D{false, true}), "<unk>");
  EXPECT_EQ(tok->decode(Ids{l.e_tok, l.space_a}), "<|e|> a");
  EXPECT_EQ(tok->decode(Ids{l.space}), "");
  EXPECT_EQ(tok->decode(Ids{l.space, l.space}), " ");
  EXPECT_EQ(tok->decode(Ids{byte(' '), l.space_a}), " a");  // a byte token's space is stripped too
  EXPECT_EQ(tok->decode(Ids{byte(0xC3), byte(0xA9)}), "\xC3\xA9");
  EXPECT_EQ(tok->decode(Ids{}), "");

  EXPECT_EQ(tok->piece(l.space_a), " a");
  EXPECT_EQ(tok->piece(byte(0x41)), "A");
  EXPECT_EQ(tok->piece(1), "");
  EXPECT_EQ(tok->piece(1, true), "<s>");
  EXPECT_EQ(tok->piece(l.e_tok), "<|e|>");
}

TEST(TokenizerDecode, TrailingEosIsRemovedWhenTheVocabularyAddsIt) {
  Letters l;
  auto w = l.v.writer();
  w.set("tokenizer.ggml.add_eos_token", true);
  const auto tok = tokenizer_from(w);
  using D = Tokenizer::DecodeOptions;
  EXPECT_EQ(tok->encode("a"), (Ids{1, l.space_a, 2}));
  EXPECT_EQ(tok->decode(Ids{1, l.space_a, 2}, D{true, true}), " a");
  EXPECT_EQ(tok->decode(Ids{2, l.space_a, 2}, D{true, true}), "</s> a");
  EXPECT_EQ(tok->decode(Ids{1, l.space_a, 2}, D{false, true}), "<s> a</s>");
}

TEST(TokenizerDecode, OutOfRangeIdsAreErrors) {
  Letters l;
  const auto tok = l.v.build();
  for (const int32_t bad : {-1, tok->n_vocab(), 1 << 30}) {
    try {
      (void)tok->decode(Ids{l.a, bad});
      FAIL() << "decode accepted id " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)tok->piece(bad), Error);
    EXPECT_THROW((void)tok->token_text(bad), Error);
    EXPECT_THROW((void)tok->token_type(bad), Error);
    EXPECT_THROW((void)tok->token_score(bad), Error);
  }
}

TEST(TokenizerLookup, FindTokenAndTokenId) {
  Letters l;
  const auto tok = l.v.build();
  EXPECT_EQ(tok->find_token("<|e|>"), l.e_tok);
  EXPECT_EQ(tok->find_token("\xE2\x96\x81" "a"), l.space_a);
  EXPECT_EQ(tok->find_token("<0x0A>"), byte('\n'));
  EXPECT_EQ(tok->find_token("zz"), std::nullopt);
  EXPECT_EQ(tok->token_id("<|e|>"), l.e_tok);
  try {
    (void)tok->token_id("<|input_end|>");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("<|input_end|>"), std::string::npos);
  }
  EXPECT_EQ(tok->token_score(l.space_a), -1.0f);
  EXPECT_EQ(tok->token_type(l.e_tok), TokenType::user_defined);
}

TEST(TokenizerLookup, EmptyTextsAndUnknownTypesReadAsLlamaCppReadsThem) {
  SyntheticVocab v;
  v.add("\xE2\x96\x81", -10);
  const int32_t empty = v.add("", 0);
  const int32_t odd = v.add("odd", 0);
  v.types[static_cast<size_t>(odd)] = 42;
  const auto tok = v.build();
  EXPECT_EQ(tok->token_text(empty), "[EMPTY_" + std::to_string(empty) + "]");
  EXPECT_EQ(tok->find_token("[EMPTY_" + std::to_string(empty) + "]"), empty);
  EXPECT_EQ(tok->token_type(odd), TokenType::undefined);
  EXPECT_EQ(tok->piece(odd, true), "");
}

TEST(TokenizerLookup, IntegerScoresAreAccepted) {
  Letters l;
  auto w = l.v.writer();
  std::vector<int32_t> int_scores(l.v.scores.begin(), l.v.scores.end());
  w.set("tokenizer.ggml.scores", int_scores);
  const auto tok = tokenizer_from(w);
  EXPECT_EQ(tok->token_score(l.a), -5.0f);
  EXPECT_EQ(tok->encode("a", kPlain), (Ids{l.space_a}));
}

}  // namespace
}  // namespace nanollama::testing
