// SPDX-License-Identifier: Apache-2.0
// The UTF-8 helpers behind encoding (symbol cutting) and streaming (holding back).
#include <gtest/gtest.h>

#include "tokenizer/utf8.h"

namespace nanollama::tokenizer_detail {
namespace {

TEST(TokenizerUtf8, LeadByteLengthsAreLlamaCpps) {
  EXPECT_EQ(lead_byte_length(0x41), 1u);
  EXPECT_EQ(lead_byte_length(0x80), 1u);  // a stray continuation byte stands alone
  EXPECT_EQ(lead_byte_length(0xBF), 1u);
  EXPECT_EQ(lead_byte_length(0xC0), 2u);  // even where no well-formed sequence starts
  EXPECT_EQ(lead_byte_length(0xDF), 2u);
  EXPECT_EQ(lead_byte_length(0xE2), 3u);
  EXPECT_EQ(lead_byte_length(0xF0), 4u);
  EXPECT_EQ(lead_byte_length(0xFF), 4u);
}

TEST(TokenizerUtf8, OneValidChar) {
  EXPECT_TRUE(is_one_valid_char("a"));
  EXPECT_TRUE(is_one_valid_char(std::string_view("\0", 1)));
  EXPECT_TRUE(is_one_valid_char("\xC3\xA9"));
  EXPECT_TRUE(is_one_valid_char("\xE2\x96\x81"));
  EXPECT_TRUE(is_one_valid_char("\xEF\xBF\xBD"));  // U+FFFD itself is fine
  EXPECT_TRUE(is_one_valid_char("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_FALSE(is_one_valid_char(""));
  EXPECT_FALSE(is_one_valid_char("ab"));
  EXPECT_FALSE(is_one_valid_char("\x80"));
  EXPECT_FALSE(is_one_valid_char("\xC0\x80"));          // overlong
  EXPECT_FALSE(is_one_valid_char("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_one_valid_char("\xE0\x9F\xBF"));      // overlong
  EXPECT_FALSE(is_one_valid_char("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_one_valid_char("\xF0\x8F\xBF\xBF"));  // overlong
  EXPECT_FALSE(is_one_valid_char("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_one_valid_char("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_one_valid_char("\xE2\x96"));          // truncated
  EXPECT_FALSE(is_one_valid_char("\xE2\x96\x41"));      // not a continuation
  EXPECT_FALSE(is_one_valid_char("\xE2\xE2\x96"));
}

TEST(TokenizerUtf8, IncompleteTail) {
  EXPECT_EQ(incomplete_tail_length(""), 0u);
  EXPECT_EQ(incomplete_tail_length("abc"), 0u);
  EXPECT_EQ(incomplete_tail_length("a\xC3"), 1u);
  EXPECT_EQ(incomplete_tail_length("a\xC3\xA9"), 0u);
  EXPECT_EQ(incomplete_tail_length("\xE2"), 1u);
  EXPECT_EQ(incomplete_tail_length("\xE2\x96"), 2u);
  EXPECT_EQ(incomplete_tail_length("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(incomplete_tail_length("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(incomplete_tail_length("\xE0\x80"), 0u);  // can only become overlong
  EXPECT_EQ(incomplete_tail_length("\xED\xA0"), 0u);  // can only become a surrogate
  EXPECT_EQ(incomplete_tail_length("\xF4\x90"), 0u);  // can only exceed U+10FFFF
  EXPECT_EQ(incomplete_tail_length("\xC0"), 0u);
  EXPECT_EQ(incomplete_tail_length("\xFF"), 0u);
  EXPECT_EQ(incomplete_tail_length("\x80\x80\x80"), 0u);
  EXPECT_EQ(incomplete_tail_length("\xE2\x96\x81\xE2"), 1u);
}

}  // namespace
}  // namespace nanollama::tokenizer_detail
