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
