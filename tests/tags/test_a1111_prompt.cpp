// SPDX-License-Identifier: Apache-2.0
// A1111 prompt parsing. Expected tags and weights are worked out by hand from A1111's
// attention rules: (x) x1.1, [x] x(1/1.1), (x:w) xw, nested brackets multiply, unclosed
// brackets close at the end, \( \) \[ \] \\ are literal.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nanollama/tag_prompt.h"

namespace nanollama::tags {
namespace {

struct Want {
  std::string text;
  double weight = 1.0;
  bool brk = false;
  bool verbatim = false;
};

Want plain(std::string text, double weight = 1.0) { return {std::move(text), weight, false, false}; }
Want broken(std::string text, double weight = 1.0) { return {std::move(text), weight, true, false}; }
Want verbatim(std::string text, double weight = 1.0) { return {std::move(text), weight, false, true}; }

void expect_tags(std::string_view prompt, const std::vector<Want>& want) {
  SCOPED_TRACE(std::string("prompt: ") + std::string(prompt));
  const ParsedPrompt parsed = parse_a1111_prompt(prompt);
  ASSERT_EQ(parsed.tags.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("tag " + std::to_string(i));
    EXPECT_EQ(parsed.tags[i].text, want[i].text);
    EXPECT_NEAR(parsed.tags[i].weight, want[i].weight, 1e-12);
    EXPECT_EQ(parsed.tags[i].break_after, want[i].brk);
    EXPECT_EQ(parsed.tags[i].verbatim, want[i].verbatim);
  }
}

constexpr double kDown = 1 / 1.1;  // 0.9090909...

TEST(A1111Prompt, PlainTagsAreTrimmed) {
  expect_tags("1girl, solo,  long hair ,dragon_girl", {plain("1girl"), plain("solo"), plain("long hair"),
                                                       plain("dragon_girl")});
}

TEST(A1111Prompt, EmptyPiecesAndWhitespaceVanish) {
  expect_tags("", {});
  expect_tags("   ", {});
  expect_tags(",,, ,", {});
  expect_tags(" , ,, a ,\t, ", {plain("a")});
  expect_tags("long   hair,\tblue\t eyes", {plain("long hair"), plain("blue eyes")});
}

TEST(A1111Prompt, LineBreaksSeparateTags) {
  expect_tags("masterpiece, best quality\n1girl, solo", {plain("masterpiece"), plain("best quality"), plain("1girl"),
                                                         plain("solo")});
  expect_tags("a,\r\nb\r\n\r\nc", {plain("a"), plain("b"), plain("c")});
}

TEST(A1111Prompt, RoundAndSquareBrackets) {
  expect_tags("(a)", {plain("a", 1.1)});
  expect_tags("((a))", {plain("a", 1.21)});
  expect_tags("(((a)))", {plain("a", 1.331)});
  expect_tags("[a]", {plain("a", kDown)});
  expect_tags("[[a]]", {plain("a", kDown * kDown)});
  expect_tags("([a])", {plain("a", 1.0)});
  expect_tags("(a), b, [c]", {plain("a", 1.1), plain("b"), plain("c", kDown)});
}

TEST(A1111Prompt, ExplicitWeights) {
  expect_tags("(a:1.3)", {plain("a", 1.3)});
  expect_tags("(a: 0.5 )", {plain("a", 0.5)});
  expect_tags("(a:.5), (b:2), (c:1.), (d:+1.5), (e:-0.5), (f:0)",
              {plain("a", 0.5), plain("b", 2), plain("c", 1), plain("d", 1.5), plain("e", -0.5), plain("f", 0)});
  expect_tags("(long hair:1.3), b", {plain("long hair", 1.3), plain("b")});
}

TEST(A1111Prompt, WeightsCoverEveryTagInside) {
  expect_tags("(masterpiece, best quality:1.2), 1girl",
              {plain("masterpiece", 1.2), plain("best quality", 1.2), plain("1girl")});
}

TEST(A1111Prompt, NestedWeightsMultiply) {
  expect_tags("((a:1.5))", {plain("a", 1.65)});
  expect_tags("(a, (b:1.5), c:1.2)", {plain("a", 1.2), plain("b", 1.8), plain("c", 1.2)});
  expect_tags("[(a:1.2)]", {plain("a", 1.2 / 1.1)});
  expect_tags("((a), b)", {plain("a", 1.21), plain("b", 1.1)});
}

TEST(A1111Prompt, UnbalancedBrackets) {
  expect_tags("(a, b", {plain("a", 1.1), plain("b", 1.1)});
  expect_tags("[a", {plain("a", kDown)});
  expect_tags("((a)", {plain("a", 1.21)});          // inner closes (1.1), outer closes at the end
  expect_tags("(a:1.3", {plain("a:1.3", 1.1)});     // no ")" after the number: text
  expect_tags("a), b", {plain("a)"), plain("b")});  // a stray closer is text
  expect_tags("a], b", {plain("a]"), plain("b")});
  expect_tags(")(", {plain(")")});
}

TEST(A1111Prompt, ColonsThatAreNoWeights) {
  expect_tags("a:1.2)", {plain("a:1.2)")});  // no "(" open: all text
  expect_tags("(a:b)", {plain("a:b", 1.1)});
  expect_tags("(a:1.2.3)", {plain("a:1.2.3", 1.1)});  // A1111 raises on this; here it is text
  expect_tags("(a:.)", {plain("a:.", 1.1)});
  expect_tags("(a:)", {plain("a:", 1.1)});
  expect_tags("style:anime, :d", {plain("style:anime"), plain(":d")});
}

TEST(A1111Prompt, Escapes) {
  expect_tags("hatsune miku \\(cosplay\\)", {plain("hatsune miku (cosplay)")});
  expect_tags("\\[a\\]", {plain("[a]")});
  expect_tags("a\\\\b", {plain("a\\b")});
  expect_tags("(foo \\(bar\\):1.2)", {plain("foo (bar)", 1.2)});
  expect_tags("\\(a:1.2\\)", {plain("(a:1.2)")});
  // A stray backslash stays (A1111 drops it): Danbooru has "\m/" and "\(^o^)/".
  expect_tags("\\m/, \\\\\\(^o^\\)/", {plain("\\m/"), plain("\\(^o^)/")});
  expect_tags("a\\", {plain("a\\")});
}

TEST(A1111Prompt, Break) {
  expect_tags("a BREAK b", {broken("a"), plain("b")});
  expect_tags("a, BREAK, b", {broken("a"), plain("b")});
  expect_tags("a,BREAK,b", {broken("a"), plain("b")});
  expect_tags("a\nBREAK\nb", {broken("a"), plain("b")});
  expect_tags("a, b BREAK", {plain("a"), broken("b")});
  expect_tags("a BREAK", {broken("a")});
  expect_tags("BREAK a, b", {plain("a"), plain("b")});  // nothing before it to break after
  expect_tags("BREAK", {});
  expect_tags("a BREAK BREAK b", {broken("a"), plain("b")});
  expect_tags("(a BREAK b:1.2)", {broken("a", 1.2), plain("b", 1.2)});
  expect_tags("(a)BREAK(b)", {broken("a", 1.1), plain("b", 1.1)});
}

TEST(A1111Prompt, BreakOnlyAsAWholeWord) {
  expect_tags("aBREAK, BREAKb, BREAKING, break, BREAK_x",
              {plain("aBREAK"), plain("BREAKb"), plain("BREAKING"), plain("break"), plain("BREAK_x")});
  expect_tags("\xE7\x8C\xAB" "BREAK", {plain("\xE7\x8C\xAB" "BREAK")});  // 猫BREAK: a letter before it
}

TEST(A1111Prompt, ExtraNetworksAreCutOut) {
  const ParsedPrompt p =
      parse_a1111_prompt("<lora:x:0.8>, 1girl, <hypernet:y:1> solo, <lyco:z:0.5:0.5>,(a <lora:w:1>:1.2)");
  EXPECT_EQ(p.networks, (std::vector<std::string>{"<lora:x:0.8>", "<hypernet:y:1>", "<lyco:z:0.5:0.5>", "<lora:w:1>"}));
  ASSERT_EQ(p.tags.size(), 3u);
  EXPECT_EQ(p.tags[0].text, "1girl");
  EXPECT_EQ(p.tags[1].text, "solo");
  EXPECT_EQ(p.tags[2].text, "a");
  EXPECT_NEAR(p.tags[2].weight, 1.2, 1e-12);
}

TEST(A1111Prompt, NotExtraNetworks) {
  const ParsedPrompt p = parse_a1111_prompt("<|empty|>, <>, <a>, <:x>, <a:>, <lora:unclosed");
  EXPECT_TRUE(p.networks.empty());
  std::vector<std::string> texts;
  for (const PromptTag& t : p.tags) texts.push_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"<|empty|>", "<>", "<a>", "<:x>", "<a:>", "<lora:unclosed"}));
}

TEST(A1111Prompt, PromptEditingIsKeptVerbatim) {
  expect_tags("[a:b:0.5]", {verbatim("[a:b:0.5]")});
  expect_tags("[a:0.5], [a::0.5], [:b:3]", {verbatim("[a:0.5]"), verbatim("[a::0.5]"), verbatim("[:b:3]")});
  expect_tags("1girl, [red hair, blue eyes:green eyes:10], solo",
              {plain("1girl"), verbatim("[red hair, blue eyes:green eyes:10]"), plain("solo")});
  expect_tags("[a:[b|c]:0.5], d", {verbatim("[a:[b|c]:0.5]"), plain("d")});
  expect_tags("[a: b BREAK c :5]", {verbatim("[a: b BREAK c :5]")});
}

TEST(A1111Prompt, AlternationIsKeptVerbatim) {
  expect_tags("[a|b]", {verbatim("[a|b]")});
  expect_tags("[cat, dog|fox|], x", {verbatim("[cat, dog|fox|]"), plain("x")});
}

TEST(A1111Prompt, VerbatimPiecesTakeTheirWholeTag) {
  expect_tags("a [b:c:5] d, e", {verbatim("a [b:c:5] d"), plain("e")});
  expect_tags("([a:b:0.5]:1.2)", {verbatim("[a:b:0.5]", 1.2)});
  // Plain text around the piece is written back as A1111 syntax.
  expect_tags("a \\(x\\) [b|c]", {verbatim("a \\(x\\) [b|c]")});
}

TEST(A1111Prompt, SquareBracketsWithoutColonOrBarAreAttention) {
  expect_tags("[(a:1.2), b]", {plain("a", 1.2 / 1.1), plain("b", kDown)});
  expect_tags("[a:b, c", {plain("a:b", kDown), plain("c", kDown)});  // never closed: no editing
}

TEST(A1111Prompt, PartsAtDifferentWeightsMakeAVerbatimTag) {
  expect_tags("a (b) c", {verbatim("a (b:1.1) c")});
  expect_tags("(a:1.3) b", {verbatim("(a:1.3) b")});
  expect_tags("(a, b) c", {plain("a", 1.1), verbatim("(b:1.1) c")});
  expect_tags("x (a \\(y\\):1.5)", {verbatim("x (a \\(y\\):1.5)")});
  expect_tags("(a [b:c:1]:1.2) d", {verbatim("(a [b:c:1]:1.2) d")});
  // "()" keeps "<z:1.1), w>" from reading as an extra network (see FormatTag).
  expect_tags("x (y <z), w>", {verbatim("x (y <z():1.1)"), plain("w>")});
}

TEST(A1111Prompt, PartsAtOneWeightMakeAPlainTag) {
  expect_tags("(a)(b)", {plain("ab", 1.1)});
  expect_tags("(a) (b)", {plain("a b", 1.1)});
  expect_tags("[(a)] b", {plain("a b", 1.0)});  // 1.1 * (1/1.1) prints as 1
}

TEST(A1111Prompt, NonAsciiTags) {
  // 初音ミク, (猫耳:1.2), café, 猫 BREAK 犬
  expect_tags("\xE5\x88\x9D\xE9\x9F\xB3\xE3\x83\x9F\xE3\x82\xAF, (\xE7\x8C\xAB\xE8\x80\xB3:1.2), caf\xC3\xA9, "
              "\xE7\x8C\xAB BREAK \xE7\x8A\xAC",
              {plain("\xE5\x88\x9D\xE9\x9F\xB3\xE3\x83\x9F\xE3\x82\xAF"), plain("\xE7\x8C\xAB\xE8\x80\xB3", 1.2),
               plain("caf\xC3\xA9"), broken("\xE7\x8C\xAB"), plain("\xE7\x8A\xAC")});
}

}  // namespace
}  // namespace nanollama::tags
