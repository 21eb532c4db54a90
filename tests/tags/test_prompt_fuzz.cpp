// SPDX-License-Identifier: Apache-2.0
// Random strings of prompt syntax through every function: nothing may crash or throw
// anything but nanollama::Error, and what the parser returns must read back the same.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"

namespace nanollama::tags {
namespace {

std::string random_string(std::mt19937& rng, std::string_view alphabet, size_t max_length) {
  std::uniform_int_distribution<size_t> length(0, max_length);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s;
  const size_t n = length(rng);
  for (size_t i = 0; i < n; ++i) {
    // Now and then a whole keyword or network, so they occur often enough to matter.
    const size_t roll = pick(rng) % 32;
    if (roll == 0) {
      s += " BREAK ";
    } else if (roll == 1) {
      s += "<lora:x:0.5>";
    } else {
      s += alphabet[pick(rng)];
    }
  }
  return s;
}

constexpr std::string_view kPromptAlphabet = "()[]\\:,|<> 1.2ab\n_-+";

TEST(PromptFuzz, ParserNeverFailsAndItsTagsReadBack) {
  std::mt19937 rng(20240601);
  size_t tags_seen = 0;
  size_t verbatim_seen = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const std::string prompt = random_string(rng, kPromptAlphabet, 40);
    SCOPED_TRACE("prompt: [" + prompt + "]");
    const ParsedPrompt parsed = parse_a1111_prompt(prompt);
    for (const PromptTag& t : parsed.tags) {
      ++tags_seen;
      verbatim_seen += t.verbatim ? 1 : 0;
      ASSERT_FALSE(t.text.empty());
      ASSERT_NE(t.text.front(), ' ');
      ASSERT_NE(t.text.back(), ' ');
      // Written back out and parsed again, a tag is the same tag.
      const std::string out = format_tag({t.text, t.weight, t.break_after, t.verbatim});
      const ParsedPrompt again = parse_a1111_prompt(out);
      ASSERT_EQ(again.tags.size(), 1u) << "formatted: [" << out << "]";
      EXPECT_EQ(again.tags[0].text, t.text) << "formatted: [" << out << "]";
      EXPECT_EQ(format_tag({"x", again.tags[0].weight}), format_tag({"x", t.weight}));
      EXPECT_EQ(again.tags[0].break_after, t.break_after);
      EXPECT_EQ(again.tags[0].verbatim, t.verbatim) << "formatted: [" << out << "]";
      EXPECT_TRUE(again.networks.empty());
    }
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(tags_seen, 20000u);
  EXPECT_GT(verbatim_seen, 500u);
}

TEST(PromptFuzz, OtherFunctionsNeverFail) {
  std::mt19937 rng(7);
  CategoryLists lists;
  lists.add(Category::artist, "a_b");
  std::array<std::vector<FormattedTag>, kAllCategories.size()> by_category;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const std::string text = random_string(rng, "<|>generalspci_ ,\n\\()", 30);
    SCOPED_TRACE("text: [" + text + "]");
    (void)categorize(text, lists);
    (void)normalize_tag(text);
    by_category[static_cast<size_t>(iteration) % by_category.size()] = {{text, 1.5, true, iteration % 2 == 0}};
    const std::string filled = apply_template(text, by_category, {text});
    (void)filled;
    try {
      const BanList bans = BanList::parse(random_string(rng, "ab*.|\\^$()[]{}?+ ,_re:/", 12));
      (void)bans.matches(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  }
}

}  // namespace
}  // namespace nanollama::tags
