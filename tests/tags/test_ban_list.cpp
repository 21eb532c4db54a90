// SPDX-License-Identifier: Apache-2.0
// Ban patterns. The regular-expression cases hold what DanTagGen's front ends do with them:
// KGen bans a tag when Python's re.match(pattern, tag) finds a match. Every banned / kept
// answer below for a regular expression was checked with CPython 3.11's re.match.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"

namespace nanollama::tags {
namespace {

void expect_bans(const BanList& bans, const std::vector<std::string>& banned, const std::vector<std::string>& kept) {
  for (const std::string& tag : banned) EXPECT_TRUE(bans.matches(tag)) << "should ban '" << tag << "'";
  for (const std::string& tag : kept) EXPECT_FALSE(bans.matches(tag)) << "should keep '" << tag << "'";
}

void expect_invalid(const std::string& pattern, const std::string& why = "") {
  try {
    BanList bans({pattern});
    ADD_FAILURE() << "accepted '" << pattern << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("'" + pattern + "'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(BanList, EmptyBansNothing) {
  const BanList bans;
  EXPECT_TRUE(bans.empty());
  EXPECT_EQ(bans.size(), 0u);
  EXPECT_FALSE(bans.matches("anything"));
  EXPECT_FALSE(bans.bans_every_completion("anything"));
  EXPECT_TRUE(BanList::parse(" , ,").empty());
}

TEST(BanList, APatternIsAPythonRegexMatchedAtTheTagsStart) {
  expect_bans(BanList({"hat"}), {"hat", "hats", "hatsune miku", "hat ornament", "  hat "}, {"top hat", "Hat"});
  expect_bans(BanList({"[a-z]+"}), {"long hair", "a"}, {"1girl", ":3"});
  expect_bans(BanList({"gloves?"}), {"glove", "gloves", "gloves removed"}, {"elbow gloves"});
  expect_bans(BanList({"x{2}"}), {"xx", "xxx"}, {"x"});
  expect_bans(BanList({"official.*"}), {"official art", "official"}, {"unofficial"});
  expect_bans(BanList({"red|blue"}), {"red eyes", "blue hair", "redhead"}, {"dark red"});
  expect_bans(BanList({"^solo$"}), {"solo"}, {"solo focus"});
}

TEST(BanList, PythonSyntaxWorks) {
  expect_bans(BanList({"(?i)umbrella"}), {"Umbrella stand", "UMBRELLA"}, {"transparent umbrella"});
  expect_bans(BanList({".*(?<!blue )eyes"}), {"red eyes", "eyes"}, {"blue eyes", "light blue eyes"});
  expect_bans(BanList({"(?P<c>[a-z])(?P=c)"}), {"aa", "bb ribbon"}, {"ab"});
  // \w is Unicode, as in Python 3.
  expect_bans(BanList({"\\w+ \\(\\w+\\)"}), {"miku (cosplay)", "\xE3\x83\x9F\xE3\x82\xAF (\xE6\xAD\x8C)"},
              {"hatsune miku (cosplay)"});
  // Python's \Z is the very end and {,n} is {0,n}; PCRE2 spells them otherwise.
  expect_bans(BanList({".*text\\Z"}), {"english text", "text"}, {"text on shirt"});
  expect_bans(BanList({"x{,2}y"}), {"y", "xy", "xxy"}, {"xxxy", "z"});
  expect_bans(BanList({"[{,2}]z"}), {"{z", ",z", "2z", "}z"}, {"z"});  // inside a class it is text
}

TEST(BanList, RegexSeesTheTagAsWritten) {
  // As in KGen: no underscore or case folding for regular expressions.
  expect_bans(BanList({"red_eyes"}), {"red_eyes"}, {"red eyes", "RED_EYES"});
}

TEST(BanList, ExactIsOneTagIgnoringCaseUnderscoresAndSpaces) {
  expect_bans(BanList({"exact:Long_Hair"}), {"long hair", "LONG HAIR", "long_hair", "long  hair"},
              {"long hair ornament", "very long hair", "long"});
  expect_bans(BanList({"exact:artist (style)"}), {"artist (style)"}, {"artist style", "artist"});
}

TEST(BanList, GlobMatchesTheWholeTag) {
  expect_bans(BanList({"glob:*text"}), {"text", "english text", "context", "TEXT"}, {"textbook", "text on shirt"});
  expect_bans(BanList({"glob:blue*"}), {"blue", "blue hair", "bluez", "Blue_Eyes"}, {"light blue", "blu"});
  expect_bans(BanList({"glob:dragon*tail"}), {"dragon tail", "dragon's tail", "dragon_tail"},
              {"dragon tail ornament", "a dragon tail", "dragon"});
  expect_bans(BanList({"glob:a**b"}), {"ab", "axxb"}, {"ba"});
  expect_bans(BanList({"glob:(x)+?"}), {"(x)+?"}, {"x", "(x)"});  // regex characters are text
}

TEST(BanList, InvalidPatternsAreErrorsNamingThem) {
  expect_invalid("(unclosed", "not a valid regular expression");
  expect_invalid("[a-", "not a valid regular expression");
  expect_invalid("a{2,1}", "not a valid regular expression");
  // They would ban every tag (re.match finds the empty match in any tag).
  expect_invalid("x*", "empty text");
  expect_invalid(".*", "empty text");
  expect_invalid("exact:", "names no tag");
  expect_invalid("glob:**", "every tag");
}

TEST(BanList, SplittingKeepsCommasInsideBracketsAndEscapes) {
  EXPECT_EQ(split_ban_patterns("umbrella, official.*, .*text,  , x{1,3}y, a\\,b,[,;]q,"),
            (std::vector<std::string>{"umbrella", "official.*", ".*text", "x{1,3}y", "a\\,b", "[,;]q"}));
  const BanList bans = BanList::parse("umbrella, x{1,3}y, a\\,b");
  EXPECT_EQ(bans.size(), 3u);
  expect_bans(bans, {"umbrellas", "xxy", "xy", "a,b"}, {"xxxxy", "y", "ab"});
}

TEST(BanList, ParseReportsTheBadPattern) {
  try {
    BanList::parse("ok, (bad");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("'(bad'"), std::string::npos) << e.what();
  }
}

TEST(BanList, RunawayBacktrackingIsAnErrorNotAHang) {
  const BanList bans({"(a+)+[bc]"});
  EXPECT_TRUE(bans.matches("aab"));  // cheap cases still answer
  EXPECT_FALSE(bans.matches("ad"));
  try {
    (void)bans.matches(std::string(40, 'a'));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("(a+)+[bc]"), std::string::npos) << e.what();
  }
}

// A prefix proves a ban when every tag that begins with it is banned: generation then drops
// the tag before finishing it. Proving too much would ban allowed tags, so each "false" here
// has a completion that is kept.
TEST(BanList, APrefixProvesABanOnlyWhenEveryCompletionIsBanned) {
  const BanList hat({"hat"});
  EXPECT_TRUE(hat.bans_every_completion("hat"));
  EXPECT_TRUE(hat.bans_every_completion(" hats"));  // the tag's leading space is not part of it
  EXPECT_FALSE(hat.bans_every_completion("ha"));    // "ha" + "ir" is kept
  EXPECT_FALSE(hat.bans_every_completion("hat "));  // still undecided text: wait for more

  const BanList solo({"^solo$"});
  EXPECT_FALSE(solo.bans_every_completion("solo"));  // "solo focus" is kept
  EXPECT_TRUE(solo.matches("solo"));

  const BanList gloves({"gloves?"});
  EXPECT_FALSE(gloves.bans_every_completion("glov"));  // "glow" is kept
  EXPECT_TRUE(gloves.bans_every_completion("gloves"));
  const BanList word({"hat\\b"});
  EXPECT_FALSE(word.bans_every_completion("hat"));  // "hats" is kept
  EXPECT_TRUE(word.bans_every_completion("hat o"));

  EXPECT_FALSE(BanList({"exact:hat"}).bans_every_completion("hat"));  // "hat ornament" is kept
  EXPECT_TRUE(BanList({"glob:blue*"}).bans_every_completion("Blue_e"));
  EXPECT_FALSE(BanList({"glob:*text"}).bans_every_completion("text"));  // "textbook" is kept
  EXPECT_FALSE(BanList({"glob:blue*hair"}).bans_every_completion("blue hair"));  // "blue hairband"
  EXPECT_FALSE(BanList({".*(?=x)"}).bans_every_completion("abc"));  // a lookahead at the end
}

}  // namespace
}  // namespace nanollama::tags
