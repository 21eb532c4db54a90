#include "tags/resolved_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace nanollama {
namespace {

using tags::Category;

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::invalid_argument, "tag request: " + what); }

bool name_says_delta(const Model& model) {
  std::string name = model.hparams().name + " " + model.file().path();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name.find("delta") != std::string::npos;
}

void check(const TagRequest& r) {
  if (r.variants < 1 || r.variants > 64) bad("variants must be 1 to 64, got " + std::to_string(r.variants));
  if (r.max_new_tokens < 1 || r.max_new_tokens > (1 << 20)) bad("max_new_tokens must be 1 to 1048576");
  if (r.max_retries < 0 || r.max_retries > 1000) bad("max_retries must be 0 to 1000");
  if (r.max_same_output < 1) bad("max_same_output must be at least 1");
  if (r.min_tags && (*r.min_tags < 0 || *r.min_tags > 100000)) bad("min_tags must be 0 to 100000");
  if (r.aspect_ratio && !(std::isfinite(*r.aspect_ratio) && *r.aspect_ratio > 0.0)) bad("aspect_ratio must be a positive number");
  if (r.width < 0 || r.height < 0) bad("width and height must not be negative");
  const auto& s = r.sampling;
  if (!(s.temperature >= 0.0f && s.temperature <= 100.0f)) bad("temperature must be 0 to 100");
  if (!(s.top_p >= 0.0f && s.top_p <= 1.0f)) bad("top_p must be 0 to 1");
  if (!(s.min_p >= 0.0f && s.min_p <= 1.0f)) bad("min_p must be 0 to 1");
  if (s.top_k < 0) bad("top_k must not be negative");
  if (!(s.repeat_penalty > 0.0f)) bad("repeat_penalty must be positive");
}

void add_plain(ResolvedRequest& out, Category c, const std::string& tag) {
  if (tag.empty()) return;
  out.input[static_cast<size_t>(c)].push_back({tag, 1.0, false, false});
}

}  // namespace

std::string dedupe_key(std::string_view tag) {
  std::string key = tags::normalize_tag(tag);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

ResolvedRequest resolve_request(const TagRequest& r, const Model& model, const tags::CategoryLists& lists) {
  check(r);
  ResolvedRequest out;
  out.bans = tags::BanList(r.ban);

  // Explicit fields are taken as they are; loose tags (general, and the web UI prompt) are
  // sorted into categories, so "1girl" given as general still lands among the special tags.
  for (const auto& t : r.rating) add_plain(out, Category::rating, t);
  for (const auto& t : r.quality) add_plain(out, Category::quality, t);
  for (const auto& t : r.special) add_plain(out, Category::special, t);
  for (const auto& t : r.artist) add_plain(out, Category::artist, t);
  for (const auto& t : r.characters) add_plain(out, Category::characters, t);
  for (const auto& t : r.copyrights) add_plain(out, Category::copyrights, t);
  for (const auto& t : r.general) {
    const Category c = tags::categorize(t, lists);
    add_plain(out, c, c == Category::general ? tags::normalize_tag(t) : t);
  }
  if (!r.prompt.empty()) {
    const tags::ParsedPrompt parsed = tags::parse_a1111_prompt(r.prompt);
    for (const auto& t : parsed.tags) {
      if (t.verbatim) {  // prompt editing: passed through, never shown to the model
        out.input[static_cast<size_t>(Category::general)].push_back({t.text, t.weight, t.break_after, true});
        continue;
      }
      const Category c = tags::categorize(t.text, lists);
      const std::string text = c == Category::general ? tags::normalize_tag(t.text) : t.text;
      if (!text.empty()) out.input[static_cast<size_t>(c)].push_back({text, t.weight, t.break_after, false});
    }
    out.networks = parsed.networks;
    out.original_prompt = r.prompt;
  }

  auto texts = [&](Category c) {
    std::vector<std::string> v;
    for (const auto& t : out.input[static_cast<size_t>(c)]) {
      if (!t.verbatim) v.push_back(t.text);
    }
    return v;
  };
  tags::DtgPromptFields& f = out.fields;
  f.quality = texts(Category::quality);
  f.rating = texts(Category::rating);
  f.artist = texts(Category::artist);
  f.characters = texts(Category::characters);
  f.copyrights = texts(Category::copyrights);
  f.special = texts(Category::special);
  f.general = texts(Category::general);
  f.target = r.target;
  f.quality_line = r.quality_line.value_or(name_says_delta(model));
  if (r.aspect_ratio) {
    f.aspect_ratio = *r.aspect_ratio;
  } else if (r.width > 0 && r.height > 0) {
    f.aspect_ratio = static_cast<double>(r.width) / static_cast<double>(r.height);
  }
  out.dtg_prompt = tags::build_dtg_prompt(f);
  out.input_count = static_cast<int32_t>(f.special.size() + f.general.size());
  out.min_tags = r.min_tags.value_or(tags::target_min_tags(r.target));

  for (const auto& list : out.input) {
    for (const auto& t : list) {
      if (!t.verbatim) out.input_keys.insert(dedupe_key(t.text));
    }
  }
  if (out.original_prompt.empty()) {
    for (Category c : tags::kAllCategories) {
      for (const auto& t : out.input[static_cast<size_t>(c)]) {
        out.original_prompt += (out.original_prompt.empty() ? "" : ", ") + t.text;
      }
    }
  }
  return out;
}

std::string format_output(const TagRequest& request, const ResolvedRequest& resolved,
                          const std::vector<std::string>& new_tags, const tags::CategoryLists& lists,
                          tags::TagMap& categories_out) {
  auto by_category = resolved.input;
  for (const auto& tag : new_tags) {
    by_category[static_cast<size_t>(tags::categorize(tag, lists))].push_back({tag, 1.0, false, false});
  }
  for (Category c : tags::kAllCategories) {
    auto& list = categories_out[c];
    list.clear();
    for (const auto& t : by_category[static_cast<size_t>(c)]) list.push_back(t.text);
  }
  if (request.no_format) {
    std::string out = resolved.original_prompt;
    for (const auto& tag : new_tags) out += (out.empty() ? "" : ", ") + tag;
    return out;
  }
  const std::string_view form = request.format_template.empty() ? tags::kDefaultTemplate : request.format_template;
  return tags::apply_template(form, by_category, resolved.networks);
}

}  // namespace nanollama
