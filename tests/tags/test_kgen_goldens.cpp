// SPDX-License-Identifier: Apache-2.0
// The golden files of tests/tags/golden (README.md there): user inputs, and the model prompt
// and output KGen / the web UI extension give and nanollama gives, written by hand. Each
// case is checked byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nanollama/gguf.h"
#include "nanollama/json.h"
#include "nanollama/tags.h"
#include "support/test_support.h"
#include "tags/resolved_request.h"

namespace nanollama {
namespace {

json::Value load(const std::string& name) {
  return json::parse(testing::read_text(std::filesystem::path(NANOLLAMA_GOLDEN_DIR) / name));
}

// The one difference of layout all cases share: the extension leaves spaces at the ends of
// lines (its template's lines end in ", "), puts a space before the networks, and ends with
// a newline when there are no networks; nanollama's tidying removes all three.
std::string without_line_edge_spaces(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    const size_t b = line.find_first_not_of(' ');
    line = b == std::string::npos ? "" : line.substr(b, line.find_last_not_of(' ') - b + 1);
    out += line;
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<std::string> strings(const json::Value* v) {
  std::vector<std::string> out;
  if (v != nullptr) {
    for (const auto& s : v->as_array()) out.push_back(s.as_string());
  }
  return out;
}

// A small DanTagGen-like GGUF with the case's metadata (strings and whole numbers), for
// detect_dtg_model.
DtgModelInfo detect_from_metadata(const json::Value& metadata, const testing::TempDir& dir) {
  gguf::GgufWriter w;
  w.set("general.architecture", std::string("llama"));
  w.set("tokenizer.ggml.tokens", std::vector<std::string>{"<unk>", "<s>", "</s>", "<|empty|>", "<|long|>", "<|input_end|>"});
  for (const auto& [key, value] : metadata.as_object()) {
    if (value.is_string()) {
      w.set(key, value.as_string());
    } else {
      w.set(key, static_cast<uint32_t>(value.as_uint(key)));
    }
  }
  const std::string path = dir.file("meta.gguf").string();
  w.write(path);
  return detect_dtg_model(*gguf::GgufFile::open(path));
}

void check_request_fields(const json::Value& expect, const TagRequest& r) {
  for (const auto& [key, value] : expect.as_object()) {
    SCOPED_TRACE(key);
    if (key == "temp") EXPECT_FLOAT_EQ(r.sampling.temperature, static_cast<float>(value.as_double()));
    else if (key == "top-p") EXPECT_FLOAT_EQ(r.sampling.top_p, static_cast<float>(value.as_double()));
    else if (key == "top-k") EXPECT_EQ(r.sampling.top_k, value.as_int());
    else if (key == "ban") EXPECT_EQ(r.ban, strings(&value));
    else if (key == "no-format") EXPECT_EQ(r.no_format, value.as_bool());
    else if (key == "max-retries") EXPECT_EQ(r.max_retries, value.as_int());
    else if (key == "max-same-output") EXPECT_EQ(r.max_same_output, value.as_int());
    else if (key == "seed") EXPECT_EQ(r.seed.has_value(), !value.is_null());
    else ADD_FAILURE() << "the test does not know expect_request key " << key;
  }
}

void run_file(const std::string& name) {
  const json::Value file = load(name);
  const auto& cases = file.find("cases")->as_array();
  ASSERT_FALSE(cases.empty());
  for (const json::Value& c : cases) {
    SCOPED_TRACE(name + ": " + c.find("name")->as_string());
    testing::TempDir dir;

    tags::CategoryLists lists;
    if (const json::Value* given = c.find("lists")) {
      for (const auto& [category, entries] : given->as_object()) {
        for (const auto& tag : strings(&entries)) lists.add(*tags::parse_category(category), tag);
      }
    }
    DtgModelInfo model;
    if (const json::Value* metadata = c.find("metadata")) {
      model = detect_from_metadata(*metadata, dir);
      const json::Value& expect = *c.find("expect_model");
      const json::Value* version = expect.find("dtg_version");
      EXPECT_EQ(model.version, version->is_null() ? "" : version->as_string());
      EXPECT_EQ(model.quality_line, expect.find("quality_line")->as_bool());
      EXPECT_EQ(model.detected_from, expect.find("detected_from")->as_string());
      EXPECT_TRUE(model.dantaggen_vocabulary);
    } else {
      const std::string& kind = c.find("model")->as_string();
      ASSERT_TRUE(kind == "delta" || kind == "beta") << kind;
      model.quality_line = kind == "delta";
    }

    const TagRequest request = tag_request_from_json(*c.find("request"));
    if (const json::Value* expect = c.find("expect_request")) check_request_fields(*expect, request);
    const ResolvedRequest resolved = resolve_request(request, model, lists);
    EXPECT_EQ(resolved.dtg_prompt, c.find("dtg_prompt")->as_string());

    tags::TagMap categories;
    const std::string formatted = format_output(request, resolved, strings(c.find("new_tags")), lists, categories);
    const std::string& expected = c.find("formatted")->as_string();
    EXPECT_EQ(formatted, expected);
    const json::Value* extension = c.find("extension");
    if (extension != nullptr && c.find("differs") == nullptr) {
      EXPECT_EQ(without_line_edge_spaces(extension->as_string()), expected) << "the extension's output, tidied";
    }
    if (extension != nullptr && c.find("differs") != nullptr) {
      EXPECT_NE(without_line_edge_spaces(extension->as_string()), expected) << "a 'differs' case that does not differ";
    }
  }
}

TEST(KgenGoldens, CategoriesUnderscoresAndCase) { run_file("categories.json"); }
TEST(KgenGoldens, WebUiSyntaxInPromptAndGeneral) { run_file("web_ui_syntax.json"); }
TEST(KgenGoldens, NoFormatting) { run_file("no_format.json"); }
TEST(KgenGoldens, NamesUsersType) { run_file("names.json"); }
TEST(KgenGoldens, QualityLineFromTheFile) { run_file("quality_line.json"); }
TEST(KgenGoldens, TemplatePlaceholders) { run_file("templates.json"); }

TEST(KgenGoldens, TidyingDropsOnlyLineEdgeSpacesAndTheLastNewline) {
  EXPECT_EQ(without_line_edge_spaces("a, \n b, \n\nc\n <lora:x:1>"), "a,\nb,\n\nc\n<lora:x:1>");
  EXPECT_EQ(without_line_edge_spaces("a, b\n"), "a, b");
  EXPECT_EQ(without_line_edge_spaces("a,  b"), "a,  b");
}

}  // namespace
}  // namespace nanollama
