// SPDX-License-Identifier: Apache-2.0
// Tag categories: built-in lists, user lists from files, and general-tag normalization.
#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "support/test_support.h"

namespace nanollama::tags {
namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
  testing::write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

TEST(Categories, NamesRoundTrip) {
  const char* names[] = {"rating", "quality", "special", "artist", "characters", "copyrights", "meta", "general"};
  for (size_t i = 0; i < kAllCategories.size(); ++i) {
    EXPECT_EQ(category_name(kAllCategories[i]), names[i]);
    EXPECT_EQ(parse_category(names[i]), kAllCategories[i]);
  }
  EXPECT_EQ(parse_category("artists"), Category::artist);
  EXPECT_EQ(parse_category("character"), Category::characters);
  EXPECT_EQ(parse_category("copyright"), Category::copyrights);
  EXPECT_EQ(parse_category("tags"), std::nullopt);
  EXPECT_EQ(parse_category(""), std::nullopt);
}

TEST(Categories, BuiltInLists) {
  const CategoryLists none;
  for (const char* tag : {"safe", "general", "sensitive", "nsfw", "explicit", "sfw", "questionable"}) {
    EXPECT_EQ(categorize(tag, none), Category::rating) << tag;
  }
  for (const char* tag : {"masterpiece", "best quality", "great quality", "good quality", "normal quality",
                          "low quality", "worst quality", "very aesthetic", "aesthetic", "displeasing",
                          "very displeasing", "newest", "recent", "mid", "early", "old", "score_9", "score_8_up",
                          "score_7_up", "score_6_up", "score_5_up", "score_4_up", "source_anime", "source_cartoon",
                          "source_furry", "source_pony"}) {
    EXPECT_EQ(categorize(tag, none), Category::quality) << tag;
  }
  for (const char* tag : {"1girl", "2girls", "3girls", "4girls", "5girls", "6+girls", "multiple girls", "1boy",
                          "2boys", "3boys", "4boys", "5boys", "6+boys", "multiple boys", "male focus", "1other",
                          "2others", "3others", "4others", "5others", "6+others", "multiple others"}) {
    EXPECT_EQ(categorize(tag, none), Category::special) << tag;
  }
}

TEST(Categories, UnderscoresCaseAndSpacesDoNotMatter) {
  const CategoryLists none;
  EXPECT_EQ(categorize("best_quality", none), Category::quality);
  EXPECT_EQ(categorize("score 9", none), Category::quality);
  EXPECT_EQ(categorize("multiple_girls", none), Category::special);
  EXPECT_EQ(categorize("male_focus", none), Category::special);
  EXPECT_EQ(categorize("Masterpiece", none), Category::quality);
  EXPECT_EQ(categorize("  safe ", none), Category::rating);
  EXPECT_EQ(categorize("very  aesthetic", none), Category::quality);
}

TEST(Categories, EverythingElseIsGeneral) {
  const CategoryLists none;
  for (const char* tag : {"solo", "long hair", "1girls", "girl", "best", "score_10", "hatsune miku", "", "  "}) {
    EXPECT_EQ(categorize(tag, none), Category::general) << tag;
  }
}

TEST(Categories, KgensWorseQualityAndTheCommonWorstQuality) {
  const CategoryLists none;
  EXPECT_EQ(categorize("worse quality", none), Category::quality);
  EXPECT_EQ(categorize("worst quality", none), Category::quality);
}

TEST(Categories, BuiltInListsKnowCommonCopyrightAndMetaTags) {
  const CategoryLists lists;  // builtin is on by default
  EXPECT_EQ(categorize("original", lists), Category::copyrights);
  EXPECT_EQ(categorize("touhou", lists), Category::copyrights);
  for (const char* tag : {"highres", "absurdres", "Absurdres", "incredibly_absurdres", "commentary request", "lowres"}) {
    EXPECT_EQ(categorize(tag, lists), Category::meta) << tag;
  }
  // General tags the lists must not claim.
  for (const char* tag : {"monochrome", "greyscale", "comic", "sketch", "signature", "watermark", "artist name"}) {
    EXPECT_EQ(categorize(tag, lists), Category::general) << tag;
  }
  CategoryLists off;
  off.builtin = false;
  EXPECT_EQ(categorize("original", off), Category::general);
  EXPECT_EQ(categorize("absurdres", off), Category::general);
  EXPECT_EQ(categorize("masterpiece", off), Category::quality);  // rating / quality / special stay
}

TEST(Categories, GivenListsAddToTheBuiltInOnesAndWin) {
  CategoryLists lists;
  lists.add(Category::copyrights, "my own series");
  lists.add(Category::characters, "original");  // contrived, but the caller's word wins
  EXPECT_EQ(categorize("my_own_series", lists), Category::copyrights);
  EXPECT_EQ(categorize("absurdres", lists), Category::meta);  // still there
  EXPECT_EQ(categorize("original", lists), Category::characters);
}

TEST(SortTag, WritesListMatchesInTheListsForm) {
  CategoryLists lists;
  lists.add(Category::characters, "Hatsune Miku");
  auto sorted = [&](std::string_view tag) { return sort_tag(tag, lists); };
  EXPECT_EQ(sorted("Hatsune_Miku").text, "hatsune miku");
  EXPECT_EQ(sorted("  hatsune   miku ").text, "hatsune miku");
  EXPECT_EQ(sorted("Score 9").text, "score_9");
  EXPECT_EQ(sorted("score_8_up").text, "score_8_up");
  EXPECT_EQ(sorted("Best_Quality").text, "best quality");
  EXPECT_EQ(sorted("1GIRL").text, "1girl");
  EXPECT_EQ(sorted("Safe").category, Category::rating);
  EXPECT_EQ(sorted("Safe").text, "safe");
  EXPECT_EQ(sorted("ORIGINAL").text, "original");
  EXPECT_EQ(sorted("Long_Hair").text, "Long Hair");  // general: case kept
  EXPECT_EQ(sorted("^_^").text, "^_^");
}

TEST(Categories, ListTextParsesAsAFileDoes) {
  CategoryLists lists;
  lists.add_lines(Category::meta, "\xEF\xBB\xBFhighres\r\n\r\n  absurdres  \nlast");
  EXPECT_EQ(lists.meta, (std::unordered_set<std::string>{"highres", "absurdres", "last"}));
  EXPECT_THROW(lists.add_lines(Category::general, "x"), Error);
}

TEST(Categories, UserListsFromFiles) {
  testing::TempDir dir;
  write_text(dir.file("artists.txt"), "\xEF\xBB\xBFwlop\r\nask_(askzy)\r\n\r\n   \nCRLF_Name\r\n");
  write_text(dir.file("characters.txt"), "hatsune_miku\nkagamine rin");
  write_text(dir.file("copyrights.txt"), "vocaloid\n");
  write_text(dir.file("meta.txt"), "highres\nabsurdres\n");
  CategoryLists lists;
  lists.load(Category::artist, dir.file("artists.txt").string());
  lists.load(Category::characters, dir.file("characters.txt").string());
  lists.load(Category::copyrights, dir.file("copyrights.txt").string());
  lists.load(Category::meta, dir.file("meta.txt").string());

  EXPECT_EQ(lists.artist.size(), 3u);  // the blank lines are not entries
  EXPECT_EQ(categorize("wlop", lists), Category::artist);  // the byte order mark is gone
  EXPECT_EQ(categorize("ask (askzy)", lists), Category::artist);
  EXPECT_EQ(categorize("ask_(askzy)", lists), Category::artist);
  EXPECT_EQ(categorize("crlf name", lists), Category::artist);
  EXPECT_EQ(categorize("hatsune miku", lists), Category::characters);
  EXPECT_EQ(categorize("Hatsune_Miku", lists), Category::characters);
  EXPECT_EQ(categorize("kagamine_rin", lists), Category::characters);
  EXPECT_EQ(categorize("vocaloid", lists), Category::copyrights);
  EXPECT_EQ(categorize("absurdres", lists), Category::meta);
  EXPECT_EQ(categorize("hatsune miku (cosplay)", lists), Category::general);
}

TEST(Categories, BuiltInListsComeFirst) {
  CategoryLists lists;
  lists.add(Category::meta, "masterpiece");
  lists.add(Category::artist, "1girl");
  EXPECT_EQ(categorize("masterpiece", lists), Category::quality);
  EXPECT_EQ(categorize("1girl", lists), Category::special);
}

TEST(Categories, EntriesInsertedDirectlyMatchAsWritten) {
  CategoryLists lists;
  lists.characters.insert("kirisame_marisa");
  EXPECT_EQ(categorize("kirisame_marisa", lists), Category::characters);
}

TEST(Categories, MissingFileIsAnIoErrorNamingIt) {
  testing::TempDir dir;
  const std::string path = dir.file("no_such_list.txt").string();
  CategoryLists lists;
  try {
    lists.load(Category::artist, path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  try {
    lists.load(Category::meta, dir.path().string());  // a directory
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find(dir.path().string()), std::string::npos) << e.what();
  }
}

TEST(Categories, OnlyFourCategoriesTakeUserLists) {
  CategoryLists lists;
  for (Category c : {Category::rating, Category::quality, Category::special, Category::general}) {
    try {
      lists.add(c, "x");
      ADD_FAILURE() << "add accepted " << category_name(c);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
    try {
      lists.load(c, "/nonexistent");
      ADD_FAILURE() << "load accepted " << category_name(c);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);  // checked before the file
    }
  }
}

TEST(NormalizeTag, UnderscoresBecomeSpacesFromFourCharacters) {
  EXPECT_EQ(normalize_tag("long_hair"), "long hair");
  EXPECT_EQ(normalize_tag("  dragon_girl "), "dragon girl");
  EXPECT_EQ(normalize_tag("^_^"), "^_^");
  EXPECT_EQ(normalize_tag(">_<"), ">_<");
  EXPECT_EQ(normalize_tag("o_o"), "o_o");
  EXPECT_EQ(normalize_tag("^_^;"), "^ ^;");  // four characters
  EXPECT_EQ(normalize_tag("\xC3\xA4_\xC3\xB6"), "\xC3\xA4_\xC3\xB6");  // "ä_ö": three characters, five bytes
  EXPECT_EQ(normalize_tag("solo"), "solo");
  EXPECT_EQ(normalize_tag(""), "");
}

TEST(CategorizeAll, GroupsInOrderAndNormalizesGeneralOnly) {
  CategoryLists lists;
  lists.add(Category::characters, "hatsune miku");
  const TagMap map = categorize_all(
      {"1girl", "solo", "long_hair", "score_9", "safe", "hatsune_miku", "^_^", "", "  ", " masterpiece "}, lists);
  EXPECT_EQ(map[Category::special], (std::vector<std::string>{"1girl"}));
  EXPECT_EQ(map[Category::general], (std::vector<std::string>{"solo", "long hair", "^_^"}));
  EXPECT_EQ(map[Category::quality], (std::vector<std::string>{"score_9", "masterpiece"}));
  EXPECT_EQ(map[Category::rating], (std::vector<std::string>{"safe"}));
  EXPECT_EQ(map[Category::characters], (std::vector<std::string>{"hatsune miku"}));  // the list's form
  EXPECT_TRUE(map[Category::artist].empty());
  EXPECT_TRUE(map[Category::copyrights].empty());
  EXPECT_TRUE(map[Category::meta].empty());
}

}  // namespace
}  // namespace nanollama::tags
