// SPDX-License-Identifier: Apache-2.0
#include "nanollama/json.h"

#include <gtest/gtest.h>

#include "nanollama/error.h"

namespace nanollama {
namespace {

TEST(Json, ParsesEveryKindAndKeepsMemberOrder) {
  auto v = json::parse(R"( {"b": [1, -2.5e3, true, false, null], "a": "x\u00e9\n\"", "c": {}} )");
  const auto& obj = v.as_object();
  ASSERT_EQ(obj.size(), 3u);
  EXPECT_EQ(obj[0].first, "b");
  EXPECT_EQ(obj[1].first, "a");
  const auto& arr = v.find("b")->as_array();
  EXPECT_EQ(arr[0].as_int(), 1);
  EXPECT_DOUBLE_EQ(arr[1].as_double(), -2500.0);
  EXPECT_TRUE(arr[2].as_bool());
  EXPECT_TRUE(arr[4].is_null());
  EXPECT_EQ(v.find("a")->as_string(), "x\xC3\xA9\n\"");
  EXPECT_TRUE(v.find("c")->as_object().empty());
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Json, SixtyFourBitIntegersAreExact) {
  auto v = json::parse(R"({"seed": 18446744073709551615, "neg": -9223372036854775808})");
  EXPECT_EQ(v.find("seed")->as_uint(), 18446744073709551615ull);
  EXPECT_EQ(v.find("neg")->as_int(), INT64_MIN);
  EXPECT_THROW(v.find("seed")->as_int(), Error);  // does not fit in int64
  EXPECT_THROW(json::parse("1.5").as_int(), Error);
  EXPECT_THROW(json::parse("-1").as_uint(), Error);
}

TEST(Json, SurrogatePairsBecomeUtf8) {
  EXPECT_EQ(json::parse(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(json::parse(R"("\ud83d")").as_string(), "\xEF\xBF\xBD");  // lone surrogate -> U+FFFD
}

TEST(Json, MalformedInputNamesTheByteOffset) {
  const char* bad[] = {"", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "\"abc", "\"\x01\"", "[1] x", "{\"a\":}"};
  for (const char* text : bad) {
    try {
      json::parse(text);
      ADD_FAILURE() << "parsed: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("at byte"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(json::parse(std::string(100000, '[')), Error);  // depth limit, not a stack overflow
}

TEST(Json, DumpRoundTrips) {
  json::Value v;
  v.set("tags", json::Array{"a", "b \"q\""});
  v.set("n", int64_t{-3});
  v.set("x", 0.25);
  v.set("ok", true);
  v.set("none", nullptr);
  v.set("ctl", "\x01\t");
  const std::string text = json::dump(v);
  EXPECT_EQ(text, R"({"tags":["a","b \"q\""],"n":-3,"x":0.25,"ok":true,"none":null,"ctl":"\u0001\t"})");
  EXPECT_EQ(json::parse(text), v);
}

TEST(Json, TypeMismatchesNameTheField) {
  auto v = json::parse(R"({"seed": "x"})");
  try {
    v.find("seed")->as_uint("seed");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "seed must be a whole non-negative number, got a string");
  }
}

}  // namespace
}  // namespace nanollama

// ---- Untrusted text (docs/SECURITY.md) -------------------------------------------------

namespace nanollama::json {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(JsonUntrusted, InvalidUtf8IsRefusedWithItsByteOffset) {
  // Each class of malformed UTF-8 (Unicode table 3-7), at a known offset.
  EXPECT_EQ(error_of("\"ab\xFF\""), "JSON: invalid UTF-8 at byte 3");             // never a lead byte
  EXPECT_EQ(error_of("[\"\x80\"]"), "JSON: invalid UTF-8 at byte 2");             // lone continuation
  EXPECT_EQ(error_of("\"\xC0\xAF\""), "JSON: invalid UTF-8 at byte 1");           // overlong '/'
  EXPECT_EQ(error_of("\"\xE0\x80\xAF\""), "JSON: invalid UTF-8 at byte 1");       // overlong, 3 bytes
  EXPECT_EQ(error_of("\"\xED\xA0\x80\""), "JSON: invalid UTF-8 at byte 1");       // a surrogate
  EXPECT_EQ(error_of("\"\xF4\x90\x80\x80\""), "JSON: invalid UTF-8 at byte 1");   // above U+10FFFF
  EXPECT_EQ(error_of("\"\xE6\x97\""), "JSON: invalid UTF-8 at byte 1");           // truncated
  EXPECT_EQ(error_of("{\"k\": 1} \xC3"), "JSON: invalid UTF-8 at byte 9");        // after the value
  // Well-formed text of every length passes: e-acute, CJK, an emoji.
  EXPECT_EQ(parse("\"\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\"").as_string(), "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");
}

TEST(JsonUntrusted, DuplicateMemberNamesAreRefusedAtAnyDepth) {
  EXPECT_NE(error_of(R"({"a": 1, "a": 2})").find("duplicate member name \"a\""), std::string::npos);
  EXPECT_NE(error_of(R"({"x": [{"b": 1, "c": 0, "b": 1}]})").find("duplicate member name \"b\""), std::string::npos);
  // The same name in sibling objects is fine, and escapes name the same member.
  EXPECT_NO_THROW(parse(R"([{"a": 1}, {"a": 2}])"));
  EXPECT_NE(error_of(R"({"a": 1, "\u0061": 2})").find("duplicate"), std::string::npos);
}

TEST(JsonUntrusted, OutputIsAlwaysValidUtf8) {
  // Bytes that are not UTF-8 become U+FFFD, one per byte; valid text is untouched.
  EXPECT_EQ(quote("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(quote("\xC3"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(quote("\xC3\xA9"), "\"\xC3\xA9\"");
  Value v;
  v.set("k\x80", Value(std::string("x\xC0")));
  const std::string out = dump(v);
  EXPECT_EQ(out, "{\"k\xEF\xBF\xBD\":\"x\xEF\xBF\xBD\"}");
  EXPECT_EQ(parse(out).find("k\xEF\xBF\xBD")->as_string(), "x\xEF\xBF\xBD");  // and it reads back
}

TEST(JsonUntrusted, WideObjectsAndDeepNestingStayBounded) {
  std::string wide = "{";
  for (int i = 0; i < 100000; ++i) wide += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  wide += "}";
  EXPECT_EQ(parse(wide).as_object().size(), 100000u);  // linear: a set of names, not a scan per member
  EXPECT_NE(error_of(std::string(600, '[') + std::string(600, ']')).find("nesting too deep"), std::string::npos);
}

}  // namespace
}  // namespace nanollama::json
