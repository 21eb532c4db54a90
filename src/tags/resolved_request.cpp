// SPDX-License-Identifier: Apache-2.0
#include "tags/resolved_request.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <random>

#include "common/utf8_check.h"
#include "tags/builtin_lists.h"
#include "tags/text_util.h"

namespace nanollama {
namespace {

using tags::Category;

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::invalid_argument, "tag request: " + what); }

// Every text of the request, named for errors: together they are bounded, and each must be
// UTF-8 (the tokenizer would take anything, but the output must be valid JSON and text).
void check_texts(const TagRequest& r) {
  size_t total = 0;
  auto text = [&](const std::string& field, std::string_view s) {
    total += s.size();
    if (total > TagLimits::kMaxTextBytes) {
      bad("the request's text is over " + std::to_string(TagLimits::kMaxTextBytes) + " bytes (at " + field + ")");
    }
    const size_t at = utf8::first_invalid(s);
    if (at != std::string_view::npos) bad(field + " is not valid UTF-8 at byte " + std::to_string(at));
  };
  auto list = [&](const char* field, const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); ++i) text(std::string(field) + "[" + std::to_string(i) + "]", v[i]);
  };
  text("prompt", r.prompt);
  list("rating", r.rating);
  list("artist", r.artist);
  list("characters", r.characters);
  list("copyrights", r.copyrights);
  list("quality", r.quality);
  list("special", r.special);
  list("general", r.general);
  list("ban", r.ban);
  text("format_template", r.format_template);
  if (r.ban.size() > TagLimits::kMaxBanPatterns) {
    bad("at most " + std::to_string(TagLimits::kMaxBanPatterns) + " ban patterns, got " + std::to_string(r.ban.size()));
  }
}

void check(const TagRequest& r) {
  check_texts(r);
  if (r.time_limit_seconds &&
      !(*r.time_limit_seconds >= 0.0 && *r.time_limit_seconds <= TagLimits::kMaxTimeLimitSeconds)) {
    bad("time_limit_seconds must be 0 to " + std::to_string(static_cast<int>(TagLimits::kMaxTimeLimitSeconds)));
  }
  if (r.variants < 1 || r.variants > 64) bad("variants must be 1 to 64, got " + std::to_string(r.variants));
  if (r.max_new_tokens < 1 || r.max_new_tokens > (1 << 20)) bad("max_new_tokens must be 1 to 1048576");
  if (r.max_retries < 0 || r.max_retries > 1000) bad("max_retries must be 0 to 1000");
  if (r.max_same_output < 1 || r.max_same_output > 1000) bad("max_same_output must be 1 to 1000");
  if (r.min_tags && (*r.min_tags < 0 || *r.min_tags > 100000)) bad("min_tags must be 0 to 100000");
  if (r.aspect_ratio && !(std::isfinite(*r.aspect_ratio) && *r.aspect_ratio > 0.0)) bad("aspect_ratio must be a positive number");
  if (r.width < 0 || r.height < 0) bad("width and height must not be negative");
  const auto& s = r.sampling;
  if (!(s.temperature >= 0.0f && s.temperature <= 100.0f)) bad("temperature must be 0 to 100");
  if (!(s.top_p >= 0.0f && s.top_p <= 1.0f)) bad("top_p must be 0 to 1");
  if (!(s.min_p >= 0.0f && s.min_p <= 1.0f)) bad("min_p must be 0 to 1");
  if (s.top_k < 0) bad("top_k must not be negative");
  if (s.top_k > (1 << 22)) bad("top_k must be at most 4194304");
  if (!(s.repeat_penalty > 0.0f && s.repeat_penalty <= 100.0f)) bad("repeat_penalty must be above 0, at most 100");
}

// 0 .. 2^31 - 2, the range the web UI extension draws its seeds from: short enough to type
// back. std::random_device may be unavailable (it throws then); the clock and a counter,
// mixed, still differ from call to call.
uint64_t fresh_seed() {
  constexpr uint64_t kRange = (uint64_t{1} << 31) - 1;
  try {
    std::random_device device;
    return ((static_cast<uint64_t>(device()) << 32) ^ device()) % kRange;
  } catch (const std::exception&) {
  }
  static std::atomic<uint64_t> counter{0};
  uint64_t z = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) +
               0x9E3779B97F4A7C15ull * (counter.fetch_add(1) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64's finaliser
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) % kRange;
}

// Artist, character and copyright names as the model was trained on them (Danbooru's display
// form): underscores as spaces, whitespace runs as one space.
std::string spaced(std::string_view tag) {
  std::string out(tags::detail::trim(tag));
  std::replace(out.begin(), out.end(), '_', ' ');
  return tags::detail::collapse_spaces(out);
}

// Text written into the no-formatting output as one piece: no whitespace or commas at its
// ends, so the ", " joining the pieces is never doubled.
std::string_view joint_trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n\f\v,");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n\f\v,") - b + 1);
}

void append_piece(std::string& out, std::string_view piece) {
  piece = joint_trimmed(piece);
  if (piece.empty()) return;
  if (!out.empty()) out += ", ";
  out += piece;
}

// A category field's tags, also collected in `unformatted` for the no-formatting mode.
void add_given(ResolvedRequest& out, Category c, const std::vector<std::string>& given, bool spaced_form,
               std::string& unformatted) {
  for (const auto& t : given) {
    std::string text = spaced_form ? spaced(t) : std::string(tags::detail::trim(t));
    if (text.empty()) continue;
    append_piece(unformatted, text);
    out.input[static_cast<size_t>(c)].push_back({std::move(text), 1.0, false, false});
  }
}

// A web UI text (the prompt, or one element of general): parsed, its tags sorted into
// categories in the form the model is shown, its weights, BREAKs and networks kept for the
// output.
void add_web_ui_text(ResolvedRequest& out, const std::string& text, const tags::CategoryLists& lists) {
  const tags::ParsedPrompt parsed = tags::parse_a1111_prompt(text);
  for (const auto& t : parsed.tags) {
    if (t.verbatim) {  // prompt editing: passed through, never shown to the model
      out.input[static_cast<size_t>(Category::general)].push_back({t.text, t.weight, t.break_after, true});
      continue;
    }
    tags::SortedTag sorted = tags::detail::sort_tag(t.text, lists, out.builtin_lists);
    if (sorted.text.empty()) continue;
    out.input[static_cast<size_t>(sorted.category)].push_back({std::move(sorted.text), t.weight, t.break_after, false});
  }
  out.networks.insert(out.networks.end(), parsed.networks.begin(), parsed.networks.end());
}

}  // namespace

std::string dedupe_key(std::string_view tag) {
  std::string key = tags::normalize_tag(tag);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

ResolvedRequest resolve_request(const TagRequest& r, const Model& model, const tags::CategoryLists& lists) {
  return resolve_request(r, detect_dtg_model(model.file()), lists);
}

ResolvedRequest resolve_request(const TagRequest& r, const DtgModelInfo& model, const tags::CategoryLists& lists) {
  check(r);
  ResolvedRequest out;
  out.bans = tags::BanList(r.ban);
  out.seed = r.seed ? *r.seed : fresh_seed();
  out.builtin_lists = r.builtin_lists.value_or(lists.builtin);
  out.model = model;

  // Category fields are taken as given; loose tags (general, and the web UI prompt) are
  // sorted into categories, so "1girl" given as general still lands among the special tags.
  std::string given;
  add_given(out, Category::rating, r.rating, false, given);
  add_given(out, Category::artist, r.artist, true, given);
  add_given(out, Category::characters, r.characters, true, given);
  add_given(out, Category::copyrights, r.copyrights, true, given);
  add_given(out, Category::quality, r.quality, false, given);
  add_given(out, Category::special, r.special, false, given);
  for (const auto& text : r.general) add_web_ui_text(out, text, lists);
  if (!r.prompt.empty()) add_web_ui_text(out, r.prompt, lists);

  // No formatting: what the user wrote, in the order of the request's fields (KGen's
  // extension has only the prompt, and prints it followed by the new tags).
  append_piece(out.unformatted_input, r.prompt);
  for (const auto& text : r.general) append_piece(out.unformatted_input, text);
  append_piece(out.unformatted_input, given);

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
  f.quality_line = r.quality_line.value_or(model.quality_line);
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

  return out;
}

std::string format_output(const TagRequest& request, const ResolvedRequest& resolved,
                          const std::vector<std::string>& new_tags, const tags::CategoryLists& lists,
                          tags::TagMap& categories_out) {
  auto by_category = resolved.input;
  for (const auto& tag : new_tags) {
    const Category c = tags::detail::sort_tag(tag, lists, resolved.builtin_lists).category;
    by_category[static_cast<size_t>(c)].push_back({tag, 1.0, false, false});
  }
  for (Category c : tags::kAllCategories) {
    auto& list = categories_out[c];
    list.clear();
    for (const auto& t : by_category[static_cast<size_t>(c)]) list.push_back(t.text);
  }
  if (request.no_format) {
    std::string out = resolved.unformatted_input;
    for (const auto& tag : new_tags) append_piece(out, tag);
    return out;
  }
  const std::string_view form = request.format_template.empty() ? tags::kDefaultTemplate : request.format_template;
  return tags::apply_template(form, by_category, resolved.networks);
}

}  // namespace nanollama
