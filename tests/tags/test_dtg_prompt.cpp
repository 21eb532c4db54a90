// SPDX-License-Identifier: Apache-2.0
// DanTagGen's prompt, byte for byte. Every expected string is written out by hand from the
// format in docs/DANTAGGEN_FORMAT.md and the reference tools' quirks (the ", " before general tags, the
// bare "quality: " line, Python's f"{x:.1f}" for the aspect ratio).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nanollama/error.h"
#include "nanollama/tag_prompt.h"
#include "support/test_support.h"

namespace nanollama::tags {
namespace {

DtgPromptFields dragon_girl() {
  DtgPromptFields f;
  f.rating = {"safe"};
  f.aspect_ratio = 1.0;
  f.target = Target::short_;
  f.special = {"1girl"};
  f.general = {"solo", "dragon girl", "dragon horns", "dragon tail"};
  return f;
}

constexpr const char* kDragonGirl =
    "rating: safe\n"
    "artist: <|empty|>\n"
    "characters: <|empty|>\n"
    "copyrights: <|empty|>\n"
    "aspect ratio: 1.0\n"
    "target: <|short|>\n"
    "general: 1girl, solo, dragon girl, dragon horns, dragon tail<|input_end|>";

TEST(DtgPrompt, ExampleFromTheDocs) { EXPECT_EQ(build_dtg_prompt(dragon_girl()), kDragonGirl); }

TEST(DtgPrompt, MatchesTheGoldenFile) {
  NANOLLAMA_REQUIRE_FIXTURES();
  EXPECT_EQ(build_dtg_prompt(dragon_girl()), testing::read_text(testing::fixture("golden/dtg_prompt.txt")));
}

TEST(DtgPrompt, NoSpecialTagsStillWritesTheSeparator) {
  DtgPromptFields f = dragon_girl();
  f.special.clear();
  EXPECT_EQ(build_dtg_prompt(f),
            "rating: safe\n"
            "artist: <|empty|>\n"
            "characters: <|empty|>\n"
            "copyrights: <|empty|>\n"
            "aspect ratio: 1.0\n"
            "target: <|short|>\n"
            "general: , solo, dragon girl, dragon horns, dragon tail<|input_end|>");
}

TEST(DtgPrompt, SpecialTagsWithoutGeneralEndInTheSeparator) {
  DtgPromptFields f;
  f.special = {"1girl", "1boy"};
  EXPECT_EQ(build_dtg_prompt(f),
            "rating: <|empty|>\n"
            "artist: <|empty|>\n"
            "characters: <|empty|>\n"
            "copyrights: <|empty|>\n"
            "aspect ratio: 1.0\n"
            "target: <|long|>\n"
            "general: 1girl, 1boy, <|input_end|>");
}

TEST(DtgPrompt, NothingAtAll) {
  EXPECT_EQ(build_dtg_prompt(DtgPromptFields{}),
            "rating: <|empty|>\n"
            "artist: <|empty|>\n"
            "characters: <|empty|>\n"
            "copyrights: <|empty|>\n"
            "aspect ratio: 1.0\n"
            "target: <|long|>\n"
            "general: , <|input_end|>");
}

TEST(DtgPrompt, EveryFieldWithSeveralTags) {
  DtgPromptFields f;
  f.rating = {"general", "sfw"};
  f.artist = {"wlop", "ask (askzy)"};
  f.characters = {"hatsune miku", "kagamine rin"};
  f.copyrights = {"vocaloid"};
  f.special = {"2girls"};
  f.general = {"twintails", "aqua hair"};
  f.aspect_ratio = 0.75;
  f.target = Target::very_long;
  EXPECT_EQ(build_dtg_prompt(f),
            "rating: general, sfw\n"
            "artist: wlop, ask (askzy)\n"
            "characters: hatsune miku, kagamine rin\n"
            "copyrights: vocaloid\n"
            "aspect ratio: 0.8\n"
            "target: <|very_long|>\n"
            "general: 2girls, twintails, aqua hair<|input_end|>");
}

TEST(DtgPrompt, QualityLineWithTags) {
  DtgPromptFields f = dragon_girl();
  f.quality = {"masterpiece", "newest"};
  f.quality_line = true;
  EXPECT_EQ(build_dtg_prompt(f), std::string("quality: masterpiece, newest\n") + kDragonGirl);
}

TEST(DtgPrompt, QualityLineWithoutTagsIsBare) {
  DtgPromptFields f = dragon_girl();
  f.quality_line = true;
  // Not <|empty|>: "quality: " with its trailing space, then the newline.
  EXPECT_EQ(build_dtg_prompt(f), std::string("quality: \n") + kDragonGirl);
}

TEST(DtgPrompt, QualityTagsWithoutTheLineAreNotWritten) {
  DtgPromptFields f = dragon_girl();
  f.quality = {"masterpiece"};
  f.quality_line = false;
  EXPECT_EQ(build_dtg_prompt(f), kDragonGirl);
}

std::string aspect_line(double ratio) {
  DtgPromptFields f;
  f.aspect_ratio = ratio;
  const std::string prompt = build_dtg_prompt(f);
  const size_t start = prompt.find("aspect ratio: ");
  return prompt.substr(start, prompt.find('\n', start) - start);
}

TEST(DtgPrompt, AspectRatioRoundsLikePython) {
  // Exact binary ties go to the even digit; everything else rounds the exact binary value.
  EXPECT_EQ(aspect_line(1.0), "aspect ratio: 1.0");
  EXPECT_EQ(aspect_line(0.75), "aspect ratio: 0.8");    // tie, 7 is odd -> 8
  EXPECT_EQ(aspect_line(1.25), "aspect ratio: 1.2");    // tie, 2 is even
  EXPECT_EQ(aspect_line(2.25), "aspect ratio: 2.2");    // tie
  EXPECT_EQ(aspect_line(0.25), "aspect ratio: 0.2");    // tie
  EXPECT_EQ(aspect_line(1.3333), "aspect ratio: 1.3");
  EXPECT_EQ(aspect_line(1.777), "aspect ratio: 1.8");
  EXPECT_EQ(aspect_line(1.05), "aspect ratio: 1.1");    // 1.05000000000000004440...
  EXPECT_EQ(aspect_line(0.35), "aspect ratio: 0.3");    // 0.34999999999999997779...
  EXPECT_EQ(aspect_line(0.45), "aspect ratio: 0.5");    // 0.45000000000000001110...
  EXPECT_EQ(aspect_line(0.04), "aspect ratio: 0.0");
  EXPECT_EQ(aspect_line(12.0), "aspect ratio: 12.0");
}

TEST(DtgPrompt, AspectRatioFromWidthAndHeight) {
  EXPECT_EQ(aspect_line(1920.0 / 1080.0), "aspect ratio: 1.8");  // 16:9 = 1.777...
  EXPECT_EQ(aspect_line(1080.0 / 1920.0), "aspect ratio: 0.6");  // 0.5625
  EXPECT_EQ(aspect_line(832.0 / 1216.0), "aspect ratio: 0.7");   // 0.684...
  EXPECT_EQ(aspect_line(1024.0 / 768.0), "aspect ratio: 1.3");   // 1.333...
  EXPECT_EQ(aspect_line(768.0 / 512.0), "aspect ratio: 1.5");
}

TEST(DtgPrompt, AspectRatioMustBePositiveAndFinite) {
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    DtgPromptFields f;
    f.aspect_ratio = bad;
    try {
      build_dtg_prompt(f);
      ADD_FAILURE() << "no error for aspect ratio " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  }
}

TEST(DtgPrompt, EveryTargetToken) {
  const std::pair<Target, const char*> cases[] = {{Target::very_short, "target: <|very_short|>\n"},
                                                  {Target::short_, "target: <|short|>\n"},
                                                  {Target::long_, "target: <|long|>\n"},
                                                  {Target::very_long, "target: <|very_long|>\n"}};
  for (const auto& [target, line] : cases) {
    DtgPromptFields f;
    f.target = target;
    EXPECT_NE(build_dtg_prompt(f).find(line), std::string::npos) << line;
  }
}

TEST(Targets, NamesTokensAndMinimumCounts) {
  EXPECT_EQ(target_name(Target::very_short), "very_short");
  EXPECT_EQ(target_name(Target::short_), "short");
  EXPECT_EQ(target_name(Target::long_), "long");
  EXPECT_EQ(target_name(Target::very_long), "very_long");
  EXPECT_EQ(target_token(Target::very_short), "<|very_short|>");
  EXPECT_EQ(target_token(Target::short_), "<|short|>");
  EXPECT_EQ(target_token(Target::long_), "<|long|>");
  EXPECT_EQ(target_token(Target::very_long), "<|very_long|>");
  EXPECT_EQ(target_min_tags(Target::very_short), 8);
  EXPECT_EQ(target_min_tags(Target::short_), 16);
  EXPECT_EQ(target_min_tags(Target::long_), 32);
  EXPECT_EQ(target_min_tags(Target::very_long), 48);
}

TEST(Targets, Parse) {
  EXPECT_EQ(parse_target("very_short"), Target::very_short);
  EXPECT_EQ(parse_target("short"), Target::short_);
  EXPECT_EQ(parse_target("long"), Target::long_);
  EXPECT_EQ(parse_target("very_long"), Target::very_long);
  EXPECT_EQ(parse_target("<|very_long|>"), Target::very_long);
  EXPECT_EQ(parse_target("<|short|>"), Target::short_);
  EXPECT_EQ(parse_target("medium"), std::nullopt);
  EXPECT_EQ(parse_target(""), std::nullopt);
  EXPECT_EQ(parse_target("very short x"), std::nullopt);
  EXPECT_EQ(parse_target("<|Long|>"), std::nullopt);
}

TEST(Targets, TheWebUiExtensionsLabels) {
  EXPECT_EQ(parse_target("very short"), Target::very_short);
  EXPECT_EQ(parse_target("very long"), Target::very_long);
  EXPECT_EQ(parse_target("Very Long"), Target::very_long);
  EXPECT_EQ(parse_target("VERY_SHORT"), Target::very_short);
  EXPECT_EQ(parse_target(" Long "), Target::long_);
  EXPECT_EQ(parse_target("very  _short"), Target::very_short);
  EXPECT_EQ(parse_target("veryshort"), std::nullopt);
  EXPECT_EQ(parse_target(std::string(100, 'x')), std::nullopt);
}

}  // namespace
}  // namespace nanollama::tags
