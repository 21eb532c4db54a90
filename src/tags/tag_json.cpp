// SPDX-License-Identifier: Apache-2.0
// Tag requests and results as JSON objects (batch files, bindings). Keys are the driver's
// long option names.
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <string_view>
#include <utility>

#include "nanollama/tags.h"

namespace nanollama {
namespace {

[[noreturn]] void bad(const std::string& key, const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "\"" + key + "\": " + what);
}

// Web UI texts: a string is one text, an array several; each is parsed whole later, since
// commas may sit inside a weight ("(a, b:1.2)").
std::vector<std::string> texts(const std::string& key, const json::Value& v) {
  if (v.is_string()) return {v.as_string()};
  if (!v.is_array()) bad(key, "must be a string of web UI text or an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) out.push_back(item.as_string(key));
  return out;
}

// How a key is looked up: ASCII lower case, with "_" and " " as "-" ("Top_P" is "top-p").
std::string key_form(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_' || c == ' ') c = '-';
  }
  return out;
}

// Other front ends' names for request keys (in key_form): the web UI extension's settings
// and infotext, KGen's tag_gen arguments, the ComfyUI nodes' inputs.
std::string_view canonical_key(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"tag-length", "target"},        {"total-tag-length", "target"}, {"ban-tags", "ban"},
      {"blacklist", "ban"},            {"black-list", "ban"},          {"temperature", "temp"},
      {"no-formatting", "no-format"},  {"max-retry", "max-retries"},   {"special-tags", "special"},
      {"artists", "artist"},           {"character", "characters"},    {"copyright", "copyrights"},
  };
  for (const auto& [alias, name] : kAliases) {
    if (key == alias) return name;
  }
  return key;
}

std::vector<std::string> tag_list(const std::string& key, const json::Value& v) {
  if (v.is_string()) return split_tags(v.as_string());
  if (!v.is_array()) bad(key, "must be a string of comma-separated tags or an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) {
    for (auto& t : split_tags(item.as_string(key))) out.push_back(std::move(t));
  }
  return out;
}

// A string is a comma-separated ban setting; an array holds one pattern per element, so a
// pattern may contain any comma.
std::vector<std::string> ban_patterns(const std::string& key, const json::Value& v) {
  if (v.is_string()) return tags::split_ban_patterns(v.as_string());
  if (!v.is_array()) bad(key, "must be a string of comma-separated patterns or an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) out.push_back(item.as_string(key));
  return out;
}

double number(const std::string& key, const json::Value& v, double min, double max) {
  const double d = v.as_double(key);
  if (!std::isfinite(d) || d < min || d > max) {
    bad(key, "must be a number from " + json::dump(json::Value(min)) + " to " + json::dump(json::Value(max)));
  }
  return d;
}

int32_t integer(const std::string& key, const json::Value& v, int64_t min, int64_t max) {
  const int64_t i = v.as_int(key);
  if (i < min || i > max) bad(key, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return static_cast<int32_t>(i);
}

json::Value strings(const std::vector<std::string>& v) {
  json::Array a;
  for (const auto& s : v) a.emplace_back(s);
  return json::Value(std::move(a));
}

json::Value stats_json(const TagStats& s) {
  json::Value o;
  o.set("prompt_tokens", s.prompt_tokens);
  o.set("reused_tokens", s.reused_tokens);
  o.set("generated_tokens", s.generated_tokens);
  o.set("rolled_back_tokens", s.rolled_back_tokens);
  o.set("rejected_tags", s.rejected_tags);
  o.set("passes", static_cast<int64_t>(s.passes));
  o.set("seconds", s.seconds);
  return o;
}

json::Value variant_json(const TagVariant& v) {
  json::Value o;
  o.set("tags", strings(v.tags));
  o.set("formatted", v.formatted);
  json::Value cats;
  for (auto c : tags::kAllCategories) cats.set(std::string(tags::category_name(c)), strings(v.categories[c]));
  o.set("categories", std::move(cats));
  o.set("seed", v.seed);
  o.set("reached_target", v.reached_target);
  o.set("context_full", v.context_full);
  o.set("dtg_prompt", v.dtg_prompt);
  o.set("stats", stats_json(v.stats));
  return o;
}

json::Value model_json(const DtgModelInfo& m) {
  json::Value o;
  o.set("dtg_version", m.version.empty() ? json::Value() : json::Value(m.version));
  o.set("quality_line", m.quality_line);
  o.set("detected_from", m.detected_from);
  o.set("context_length", m.context_length);
  return o;
}

}  // namespace

TagRequest tag_request_from_json(const json::Value& object, const TagRequest& defaults) {
  TagRequest r = defaults;
  using Setter = std::function<void(const std::string&, const json::Value&)>;
  const std::map<std::string, Setter> setters = {
      {"rating", [&](const std::string& k, const json::Value& v) { r.rating = tag_list(k, v); }},
      {"artist", [&](const std::string& k, const json::Value& v) { r.artist = tag_list(k, v); }},
      {"characters", [&](const std::string& k, const json::Value& v) { r.characters = tag_list(k, v); }},
      {"copyrights", [&](const std::string& k, const json::Value& v) { r.copyrights = tag_list(k, v); }},
      {"quality", [&](const std::string& k, const json::Value& v) { r.quality = tag_list(k, v); }},
      {"special", [&](const std::string& k, const json::Value& v) { r.special = tag_list(k, v); }},
      {"general", [&](const std::string& k, const json::Value& v) { r.general = texts(k, v); }},
      {"ban", [&](const std::string& k, const json::Value& v) { r.ban = ban_patterns(k, v); }},
      {"prompt", [&](const std::string& k, const json::Value& v) { r.prompt = v.as_string(k); }},
      {"aspect-ratio", [&](const std::string& k, const json::Value& v) { r.aspect_ratio = number(k, v, 1e-3, 1e3); }},
      {"size",
       [&](const std::string& k, const json::Value& v) {
         // WxH, each side 1 to 2^20 (as "width" and "height"); from_chars refuses overflow.
         const std::string& s = v.as_string(k);
         const char* end = s.data() + s.size();
         int w = 0, h = 0;
         const auto [after_w, w_error] = std::from_chars(s.data(), end, w);
         const bool has_x = w_error == std::errc{} && after_w != end && (*after_w == 'x' || *after_w == 'X');
         const auto [after_h, h_error] = has_x ? std::from_chars(after_w + 1, end, h) : std::from_chars_result{end, std::errc::invalid_argument};
         if (!has_x || h_error != std::errc{} || after_h != end || w <= 0 || h <= 0 || w > (1 << 20) || h > (1 << 20)) {
           bad(k, "must look like \"832x1216\" (each side 1 to 1048576)");
         }
         r.width = w;
         r.height = h;
         r.aspect_ratio.reset();
       }},
      {"width",
       [&](const std::string& k, const json::Value& v) {
         r.width = integer(k, v, 1, 1 << 20);
         r.aspect_ratio.reset();
       }},
      {"height",
       [&](const std::string& k, const json::Value& v) {
         r.height = integer(k, v, 1, 1 << 20);
         r.aspect_ratio.reset();
       }},
      {"target",
       [&](const std::string& k, const json::Value& v) {
         auto t = tags::parse_target(v.as_string(k));
         if (!t) bad(k, "must be very_short, short, long or very_long (or \"very short\", \"very long\")");
         r.target = *t;
       }},
      {"min-tags", [&](const std::string& k, const json::Value& v) { r.min_tags = integer(k, v, 0, 100000); }},
      {"quality-line", [&](const std::string& k, const json::Value& v) { r.quality_line = v.as_bool(k); }},
      {"builtin-lists", [&](const std::string& k, const json::Value& v) { r.builtin_lists = v.as_bool(k); }},
      {"seed",
       [&](const std::string& k, const json::Value& v) {
         // -1 (the web UI extension's "random") or null: a fresh seed for the request.
         if (v.is_null() || (v.is_number() && v.number_text().rfind('-', 0) == 0 && v.as_int(k) == -1)) {
           r.seed.reset();
         } else if (v.is_number() && v.number_text().rfind('-', 0) == 0) {
           bad(k, "must be a whole number from 0, or -1 for a random seed");
         } else {
           r.seed = v.as_uint(k);
         }
       }},
      {"temp", [&](const std::string& k, const json::Value& v) { r.sampling.temperature = static_cast<float>(number(k, v, 0, 100)); }},
      {"top-p", [&](const std::string& k, const json::Value& v) { r.sampling.top_p = static_cast<float>(number(k, v, 0, 1)); }},
      {"top-k", [&](const std::string& k, const json::Value& v) { r.sampling.top_k = integer(k, v, 0, 1 << 22); }},
      {"min-p", [&](const std::string& k, const json::Value& v) { r.sampling.min_p = static_cast<float>(number(k, v, 0, 1)); }},
      {"max-new-tokens", [&](const std::string& k, const json::Value& v) { r.max_new_tokens = integer(k, v, 1, 1 << 20); }},
      {"max-retries", [&](const std::string& k, const json::Value& v) { r.max_retries = integer(k, v, 0, 1000); }},
      {"max-same-output", [&](const std::string& k, const json::Value& v) { r.max_same_output = integer(k, v, 1, 1000); }},
      {"variants", [&](const std::string& k, const json::Value& v) { r.variants = integer(k, v, 1, 64); }},
      {"activation",
       [&](const std::string& k, const json::Value& v) {
         const std::string& a = v.as_string(k);
         if (a != "silu" && a != "mish") bad(k, "must be silu or mish");
         r.activation = parse_activation(a);
       }},
      {"format", [&](const std::string& k, const json::Value& v) { r.format_template = v.as_string(k); }},
      {"no-format", [&](const std::string& k, const json::Value& v) { r.no_format = v.as_bool(k); }},
      {"time-limit",
       [&](const std::string& k, const json::Value& v) {
         if (v.is_null()) {
           r.time_limit_seconds.reset();
         } else {
           r.time_limit_seconds = number(k, v, 0, TagLimits::kMaxTimeLimitSeconds);
         }
       }},
  };
  std::map<std::string_view, std::string> seen;  // canonical key -> the key as given
  for (const auto& [key, value] : object.as_object("a request")) {
    const std::string form = key_form(key);
    const std::string_view name = canonical_key(form);
    auto it = setters.find(std::string(name));
    if (it == setters.end()) bad(key, "is not a request key");
    if (auto [prev, fresh] = seen.emplace(it->first, key); !fresh) {
      bad(key, "gives \"" + it->first + "\" again (as \"" + prev->second + "\")");
    }
    it->second(key, value);
  }
  return r;
}

json::Value tag_result_to_json(const TagResult& result) {
  json::Value o = result.variants.empty() ? json::Value() : variant_json(result.variants.front());
  if (result.variants.size() > 1) {
    json::Array all;
    for (const auto& v : result.variants) all.push_back(variant_json(v));
    o.set("variants", json::Value(std::move(all)));
  }
  o.set("cancelled", result.cancelled);
  if (result.timed_out) o.set("timed_out", true);
  o.set("total", stats_json(result.total));
  o.set("quality_line", result.quality_line);
  o.set("model", model_json(result.model));
  return o;
}

}  // namespace nanollama
