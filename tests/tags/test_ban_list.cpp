// Ban patterns in their three forms.
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

void expect_invalid(const std::string& pattern) {
  try {
    BanList bans({pattern});
    ADD_FAILURE() << "accepted '" << pattern << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find(pattern), std::string::npos) << e.what();
  }
}

TEST(BanList, EmptyBansNothing) {
  const BanList bans;
  EXPECT_TRUE(bans.empty());
  EXPECT_EQ(bans.size(), 0u);
  EXPECT_FALSE(bans.matches("anything"));
  EXPECT_TRUE(BanList::parse(" , ,").empty());
}

TEST(BanList, PlainTextIsTheTagOrTheTagAndMoreWords) {
  expect_bans(BanList({"umbrella"}), {"umbrella", "umbrella stand", "Umbrella", "umbrella_stand", "  umbrella "},
              {"umbrellas", "transparent umbrella", "umbrell", ""});
}

TEST(BanList, PlainTextIgnoresCaseAndUnderscores) {
  expect_bans(BanList({"Long_Hair"}), {"long hair", "long_hair", "LONG HAIR", "long hair between eyes"},
              {"very long hair", "longhair"});
}

TEST(BanList, PlainTextIsLiteral) {
  // Parentheses, "+" and "?" are tag characters here, not regex syntax.
  expect_bans(BanList({"artist (style)", "c++", "?"}), {"artist (style)", "c++", "?", "? mark"},
              {"artist style", "c", "cc", "!?"});
}

TEST(BanList, WildcardAnywhere) {
  expect_bans(BanList({"*text"}), {"text", "english text", "context", "TEXT on shirt"}, {"tex", "txet"});
}

TEST(BanList, WildcardAtTheEndAndInTheMiddle) {
  expect_bans(BanList({"blue*"}), {"blue", "blue hair", "bluez"}, {"light blue", "blu"});
  expect_bans(BanList({"dragon*tail"}), {"dragon tail", "dragon's tail", "dragon_tail", "dragon tail ornament"},
              {"tail dragon", "dragon", "a dragon tail"});
  expect_bans(BanList({"a**b"}), {"ab", "axxb"}, {"ba"});
}

TEST(BanList, RegexMatchesAtTheStartOnly) {
  expect_bans(BanList({"re:hair"}), {"hair", "hair ornament", "hairband"}, {"long hair", "Hair"});
  expect_bans(BanList({"/.*hair/"}), {"long hair", "hair", "hairband"}, {"hai"});
  expect_bans(BanList({"red|blue"}), {"red eyes", "blue hair", "redhead"}, {"dark red", "light blue"});
  expect_bans(BanList({"^solo$"}), {"solo"}, {"solo focus", "not solo"});
  expect_bans(BanList({"official.*"}), {"official art", "official alternate costume", "official"}, {"unofficial"});
  expect_bans(BanList({"umbrella.+"}), {"umbrellas", "umbrella stand"}, {"umbrella"});
}

TEST(BanList, RegexSeesTheTagAsWritten) {
  // No underscore or case folding for regular expressions (Python's re.match on the tag).
  expect_bans(BanList({"re:long_hair"}), {"long_hair", "long_hair_ornament"}, {"long hair", "LONG_HAIR"});
  expect_bans(BanList({"re:(?i)umbrella"}), {"Umbrella stand", "UMBRELLA"}, {"transparent umbrella"});
}

TEST(BanList, InvalidRegexIsAnErrorNamingIt) {
  expect_invalid("re:(unclosed");
  expect_invalid("/[a-/");
  expect_invalid("re:(?P<x>a)");  // Python-only syntax
  expect_invalid("re:a{2,1}");
  expect_invalid("re:");
  expect_invalid("//");
}

TEST(BanList, ParseSplitsOnCommasOutsideBrackets) {
  const BanList bans = BanList::parse("umbrella, official.*, *text,  , re:x{1,3}y");
  EXPECT_EQ(bans.size(), 4u);
  expect_bans(bans, {"umbrella stand", "official art", "context", "xxy", "xy"}, {"umbrellas", "xxxxy", "y"});
}

TEST(BanList, ParseReportsTheBadPattern) {
  try {
    BanList::parse("ok, re:(bad");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("re:(bad"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nanollama::tags
