// SPDX-License-Identifier: Apache-2.0
// One tag in A1111 form, and the output template. Template results are worked out by hand:
// fill (an empty category removes "<|cat|>," or "<|cat|>"), then tidy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nanollama/tag_prompt.h"

namespace nanollama::tags {
namespace {

FormattedTag tag(std::string text, double weight = 1.0, bool brk = false, bool verbatim = false) {
  return {std::move(text), weight, brk, verbatim};
}

TEST(FormatTag, PlainText) {
  EXPECT_EQ(format_tag(tag("long hair")), "long hair");
  EXPECT_EQ(format_tag(tag("")), "");
}

TEST(FormatTag, EscapesWhatA1111WouldReadAsSyntax) {
  EXPECT_EQ(format_tag(tag("hatsune miku (cosplay)")), "hatsune miku \\(cosplay\\)");
  EXPECT_EQ(format_tag(tag("[a]")), "\\[a\\]");
  EXPECT_EQ(format_tag(tag("\\m/")), "\\\\m/");
  EXPECT_EQ(format_tag(tag("\\(^o^)/")), "\\\\\\(^o^\\)/");
}

TEST(FormatTag, WeightsWithAtMostFourDecimals) {
  EXPECT_EQ(format_tag(tag("long hair", 1.2)), "(long hair:1.2)");
  EXPECT_EQ(format_tag(tag("x", 1.1 * 1.1)), "(x:1.21)");  // 1.2100000000000002
  EXPECT_EQ(format_tag(tag("x", 1.1 * 1.1 * 1.1)), "(x:1.331)");
  EXPECT_EQ(format_tag(tag("x", 1 / 1.1)), "(x:0.9091)");
  EXPECT_EQ(format_tag(tag("x", 2)), "(x:2)");
  EXPECT_EQ(format_tag(tag("x", 0.5)), "(x:0.5)");
  EXPECT_EQ(format_tag(tag("x", 1.00006)), "(x:1.0001)");
  EXPECT_EQ(format_tag(tag("x", -0.5)), "(x:-0.5)");
  EXPECT_EQ(format_tag(tag("x", 0)), "(x:0)");
  EXPECT_EQ(format_tag(tag("x", -0.00001)), "(x:0)");
}

TEST(FormatTag, AWeightThatPrintsAsOneIsNoWeight) {
  EXPECT_EQ(format_tag(tag("x", 1.1 * (1 / 1.1))), "x");
  EXPECT_EQ(format_tag(tag("x", 1.00004)), "x");
  EXPECT_EQ(format_tag(tag("x", 0.99996)), "x");
}

TEST(FormatTag, NoExtraNetworkCanFormAroundTheWeight) {
  // "<word:" with a ">" anywhere after it (even in a later tag) is an extra network to
  // A1111; "()" between the word and the colon is read as nothing and prevents that.
  EXPECT_EQ(format_tag(tag("a <lora", 1.2)), "(a <lora():1.2)");
  EXPECT_EQ(format_tag(tag("<ba:x>")), "<ba():x>");
  EXPECT_EQ(format_tag(tag("<ba:x> <c:d>", 1, false, true)), "<ba():x> <c():d>");
  EXPECT_EQ(format_tag(tag("a <", 1.2)), "(a <:1.2)");
  EXPECT_EQ(format_tag(tag("<a b", 1.2)), "(<a b:1.2)");
  EXPECT_EQ(format_tag(tag(":<", 1.2)), "(:<:1.2)");
  const ParsedPrompt parsed = parse_a1111_prompt("(a <lora():1.2), <ba():x>");
  EXPECT_TRUE(parsed.networks.empty());
  ASSERT_EQ(parsed.tags.size(), 2u);
  EXPECT_EQ(parsed.tags[0].text, "a <lora");
  EXPECT_NEAR(parsed.tags[0].weight, 1.2, 1e-12);
  EXPECT_EQ(parsed.tags[1].text, "<ba:x>");
}

TEST(FormatTag, WeightAndEscapes) { EXPECT_EQ(format_tag(tag("a (b)", 1.5)), "(a \\(b\\):1.5)"); }

TEST(FormatTag, Break) {
  EXPECT_EQ(format_tag(tag("a", 1, true)), "a BREAK");
  EXPECT_EQ(format_tag(tag("a (b)", 1.3, true)), "(a \\(b\\):1.3) BREAK");
}

TEST(FormatTag, VerbatimIsNotEscaped) {
  EXPECT_EQ(format_tag(tag("[a:b:0.5]", 1, false, true)), "[a:b:0.5]");
  EXPECT_EQ(format_tag(tag("[a:b:0.5]", 1.2, false, true)), "([a:b:0.5]:1.2)");
  EXPECT_EQ(format_tag(tag("a (b:1.1) c", 1, true, true)), "a (b:1.1) c BREAK");
}

TEST(FormatTag, ParsingTheOutputGivesTheTagBack) {
  for (const FormattedTag& t : {tag("hatsune miku (cosplay)", 1.2), tag("\\(^o^)/"), tag("\\m/", 0.9, true),
                                tag("[a]", 1.21), tag("a:1.2)"), tag("a\\", 1.5)}) {
    const ParsedPrompt parsed = parse_a1111_prompt(format_tag(t));
    ASSERT_EQ(parsed.tags.size(), 1u) << format_tag(t);
    EXPECT_EQ(parsed.tags[0].text, t.text);
    EXPECT_NEAR(parsed.tags[0].weight, t.weight, 1e-9);
    EXPECT_EQ(parsed.tags[0].break_after, t.break_after);
    EXPECT_FALSE(parsed.tags[0].verbatim);
  }
}

using ByCategory = std::array<std::vector<FormattedTag>, kAllCategories.size()>;

std::vector<FormattedTag> tags(std::initializer_list<const char*> texts) {
  std::vector<FormattedTag> out;
  for (const char* t : texts) out.push_back(tag(t));
  return out;
}

ByCategory typical() {
  ByCategory by;
  by[static_cast<size_t>(Category::special)] = tags({"1girl"});
  by[static_cast<size_t>(Category::general)] = tags({"a", "b"});
  by[static_cast<size_t>(Category::quality)] = tags({"masterpiece"});
  by[static_cast<size_t>(Category::rating)] = tags({"safe"});
  return by;
}

std::vector<FormattedTag>& at(ByCategory& by, Category c) { return by[static_cast<size_t>(c)]; }

TEST(ApplyTemplate, DefaultTemplateTypicalTags) {
  // "1girl,\n \n\n\na, b,\n\nmasterpiece,  safe" after filling; tidied:
  EXPECT_EQ(apply_template(kDefaultTemplate, typical(), {}), "1girl,\n\na, b,\n\nmasterpiece, safe");
}

TEST(ApplyTemplate, DefaultTemplateEveryCategory) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::characters) = tags({"hatsune miku"});
  at(by, Category::copyrights) = tags({"vocaloid"});
  at(by, Category::artist) = tags({"wlop"});
  at(by, Category::general) = tags({"long hair", "twintails"});
  at(by, Category::quality) = tags({"masterpiece"});
  at(by, Category::meta) = tags({"highres"});
  at(by, Category::rating) = tags({"safe"});
  EXPECT_EQ(apply_template(kDefaultTemplate, by, {}),
            "1girl,\nhatsune miku, vocaloid,\nwlop,\n\nlong hair, twintails,\n\nmasterpiece, highres, safe");
}

TEST(ApplyTemplate, DefaultTemplateCharactersWithoutCopyrights) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::characters) = tags({"hatsune miku"});
  at(by, Category::general) = tags({"long hair"});
  // Filled: "1girl,\nhatsune miku, \n\n\nlong hair,\n\n  "; the space before "\n" goes too.
  EXPECT_EQ(apply_template(kDefaultTemplate, by, {}), "1girl,\nhatsune miku,\n\nlong hair");
}

TEST(ApplyTemplate, DefaultTemplateCopyrightsWithoutCharacters) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::copyrights) = tags({"vocaloid"});
  at(by, Category::general) = tags({"a"});
  // Filled: "1girl,\n vocaloid,\n\n\na,\n\n  ".
  EXPECT_EQ(apply_template(kDefaultTemplate, by, {}), "1girl,\nvocaloid,\n\na");
}

TEST(ApplyTemplate, DefaultTemplateSingleCategories) {
  ByCategory general_only;
  at(general_only, Category::general) = tags({"a", "b"});
  EXPECT_EQ(apply_template(kDefaultTemplate, general_only, {}), "a, b");
  ByCategory rating_only;
  at(rating_only, Category::rating) = tags({"safe"});
  EXPECT_EQ(apply_template(kDefaultTemplate, rating_only, {}), "safe");
  ByCategory quality_only;
  at(quality_only, Category::quality) = tags({"masterpiece", "best quality"});
  EXPECT_EQ(apply_template(kDefaultTemplate, quality_only, {}), "masterpiece, best quality");
}

TEST(ApplyTemplate, EmptyEverything) {
  EXPECT_EQ(apply_template(kDefaultTemplate, ByCategory{}, {}), "");
  EXPECT_EQ(apply_template("", ByCategory{}, {}), "");
}

TEST(ApplyTemplate, NetworksOnALastLine) {
  EXPECT_EQ(apply_template(kDefaultTemplate, typical(), {"<lora:x:0.8>", "<hypernet:y:1>"}),
            "1girl,\n\na, b,\n\nmasterpiece, safe\n<lora:x:0.8> <hypernet:y:1>");
  EXPECT_EQ(apply_template(kDefaultTemplate, ByCategory{}, {"<lora:x:0.8>", "<lora:y:1>"}), "<lora:x:0.8> <lora:y:1>");
}

TEST(ApplyTemplate, TagsAreFormatted) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::general) = {tag("x (y)", 1.2), tag("z", 1, true), tag("[a|b]", 1, false, true)};
  EXPECT_EQ(apply_template(kDefaultTemplate, by, {}), "1girl,\n\n(x \\(y\\):1.2), z BREAK, [a|b]");
}

TEST(ApplyTemplate, CustomTemplate) {
  ByCategory by;
  at(by, Category::quality) = tags({"masterpiece", "best quality"});
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::general) = tags({"solo"});
  // Filled: "masterpiece, best quality, 1girl,  solo, ".
  EXPECT_EQ(apply_template("<|quality|>, <|special|>, <|characters|>, <|general|>, <|rating|>", by, {}),
            "masterpiece, best quality, 1girl, solo");
  EXPECT_EQ(apply_template("score_9, <|general|>\n\n\n\nextra text", by, {}), "score_9, solo\n\nextra text");
}

TEST(ApplyTemplate, UnknownPlaceholdersAreRemoved) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::general) = tags({"solo"});
  EXPECT_EQ(apply_template("<|special|>, <|extended|>, <|general|>", by, {}), "1girl, solo");
  // Not placeholders: left as text.
  EXPECT_EQ(apply_template("<|general|> <|oops <||> <|a b|>", by, {}), "solo <|oops <||> <|a b|>");
}

TEST(ApplyTemplate, AliasesAndCase) {
  ByCategory by;
  at(by, Category::characters) = tags({"a"});
  at(by, Category::copyrights) = tags({"b"});
  at(by, Category::artist) = tags({"c"});
  at(by, Category::general) = tags({"d"});
  EXPECT_EQ(apply_template("<|character|>, <|copyright|>, <|artists|>, <|GENERAL|>", by, {}), "a, b, c, d");
}

TEST(ApplyTemplate, TagsAreNeverFilledIn) {
  ByCategory by;
  at(by, Category::general) = tags({"<|rating|>"});
  at(by, Category::rating) = tags({"safe"});
  EXPECT_EQ(apply_template("<|general|>, <|rating|>", by, {}), "<|rating|>, safe");
}

TEST(ApplyTemplate, WindowsLineEnds) {
  ByCategory by;
  at(by, Category::special) = tags({"1girl"});
  at(by, Category::general) = tags({"solo"});
  EXPECT_EQ(apply_template("<|special|>,\r\n<|general|>", by, {}), "1girl,\nsolo");
}

}  // namespace
}  // namespace nanollama::tags
