// SPDX-License-Identifier: Apache-2.0
// Danbooru tag generation with DanTagGen: the request, the result, and TagGenerator, which
// runs DanTagGen's generation loop (KGen's semantics) with a few things the Python front ends
// cannot do: bans and duplicates prevented while decoding, KV-cache reuse across retries and
// requests, several variants in one batched decode, and a hard stop at the context's end.
//
// Thread contract: a TagGenerator owns a Session and is not thread-safe; give each thread its
// own. Any number of them may share one Model and one Tokenizer. cancel() alone may be called
// from another thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nanollama/json.h"
#include "nanollama/model.h"
#include "nanollama/sampler.h"
#include "nanollama/session.h"
#include "nanollama/tag_prompt.h"
#include "nanollama/tokenizer.h"

namespace nanollama {

// Sampling for tags. The defaults sit in the middle of the ranges DanTagGen's author
// recommends (temperature 0.8-1.2, top-p 0.75-0.9, top-k 50-90), rather than the extension's
// hotter 1.35 / 0.95 / 100. min-p is off: the transformers backend has none, and the 0.05
// llama-cpp-python applies silently is why its two backends sample differently.
struct TagSampling : SamplerParams {
  // repeat_penalty stays 1 (off), as in KGen; the order is llama.cpp's (truncation before
  // temperature; KGen on transformers applies temperature first: {temperature, top_k, top_p}).
  // The request's own seed and each variant's offset replace `seed`; the generator adds the
  // tokens a tag can never hold to `banned_tokens`.
  TagSampling() {
    temperature = 1.0f;
    top_p = 0.85f;
    top_k = 70;
    min_p = 0.0f;
  }
};

// Limits on one request, checked before anything is parsed or tokenized (docs/SECURITY.md).
// DanTagGen's context holds 2048 tokens, some 10 KB of tags: these leave ample room and
// bound the work a hostile request can cause.
struct TagLimits {
  // Bytes of text in the whole request: every string field, general element and ban
  // pattern, and the template, together.
  static constexpr size_t kMaxTextBytes = 64 * 1024;
  static constexpr size_t kMaxBanPatterns = 1024;
  // One JSON request (a --batch line, tag_request_from_json's caller's text, the C API).
  static constexpr size_t kMaxJsonBytes = 256 * 1024;
  // TagRequest::time_limit_seconds at most (a day).
  static constexpr double kMaxTimeLimitSeconds = 86400.0;
};

struct TagRequest {
  // The prompt's fields, each a list of Danbooru tags taken as given (empty lists become
  // <|empty|>), except that artist, characters and copyrights are written with spaces for
  // underscores ("hatsune_miku" -> "hatsune miku"), as the model was trained.
  std::vector<std::string> rating, artist, characters, copyrights, quality, special;
  // Loose tags in web UI syntax: each element is read exactly as `prompt` is (so it may hold
  // several comma-separated tags, weights, escapes, BREAK and networks) and its tags are sorted
  // into categories (tags::sort_tag): "1girl" lands among the special tags, "absurdres" in meta.
  std::vector<std::string> general;
  // A web UI prompt ("masterpiece, 1girl, (long hair:1.2), BREAK, <lora:x:0.8>"), parsed and
  // sorted into the fields above (after anything given there). Weights, escapes and BREAK
  // never reach the model; they, and the networks, survive into the formatted output.
  std::string prompt;

  std::optional<double> aspect_ratio;  // width / height; when unset, width/height if both > 0, else 1.0
  int32_t width = 0, height = 0;
  tags::Target target = tags::Target::long_;
  std::optional<int32_t> min_tags;     // overrides the target's minimum (8 / 16 / 32 / 48)
  // Delta models take a first "quality:" line. Unset: as detect_dtg_model says for the file.
  std::optional<bool> quality_line;
  // Sort tags with the built-in artist / characters / copyrights / meta lists too. Unset: the
  // generator's TagGeneratorOptions::categories.builtin (on by default).
  std::optional<bool> builtin_lists;

  std::vector<std::string> ban;  // patterns, see tags::BanList
  TagSampling sampling;
  // Unset: a fresh random seed for each request, 0 to 2^31 - 2 (the web UI extension's
  // range). TagVariant::seed always says which seed a variant used; giving it back here
  // reproduces the variant.
  std::optional<uint64_t> seed;
  int32_t max_new_tokens = 512;  // per pass, as in the reference tools
  int32_t max_retries = 20;      // passes after the first that may still reach the target
  int32_t max_same_output = 15;  // identical outputs in a row (which spend no retry) that end it
  int32_t variants = 1;          // variant i uses seed + i; all share the prompt's KV cache
  // Wall time the request may take, from when it starts decoding; when it runs out the
  // request stops as a cancelled one does, with the tags it has, and TagResult::timed_out
  // says so. Unset or 0: no limit. At most TagLimits::kMaxTimeLimitSeconds.
  std::optional<double> time_limit_seconds;
  Activation activation = Activation::silu;

  // Output: the template (tags::kDefaultTemplate when empty), or no formatting: the prompt's
  // text, then each general element's text, then the other fields' tags (rating, artist,
  // characters, copyrights, quality, special), then the new tags, joined by ", ".
  std::string format_template;
  bool no_format = false;
};

struct TagStats {
  int64_t prompt_tokens = 0;       // prompt and re-fed tokens evaluated
  int64_t reused_tokens = 0;       // prompt tokens found in the KV cache and not evaluated again
  int64_t generated_tokens = 0;    // sampled tokens evaluated
  int64_t rolled_back_tokens = 0;  // tokens of rejected tags taken back out of the cache
  int64_t rejected_tags = 0;       // banned or duplicate tags prevented while decoding
  int32_t passes = 0;              // generation passes (1 + retries)
  double seconds = 0.0;
};

struct TagVariant {
  uint64_t seed = 0;
  std::vector<std::string> tags;  // the new tags, in order
  tags::TagMap categories;        // input and new tags by category
  std::string formatted;          // the final prompt for the image model
  std::string dtg_prompt;         // the last prompt DanTagGen was given
  bool reached_target = false;    // input + new tags reached the target's minimum
  bool context_full = false;      // stopped because the context window was full
  TagStats stats;
};

// Which DanTagGen a GGUF file holds, and so which prompt layout it was trained on, from what
// the file itself says (its name on disk plays no part):
//   - context length (llama.context_length, the checkpoint's max_position_embeddings): 2048
//     is delta or delta-rev2, which were trained with a first "quality:" line; 512 is alpha,
//     beta or gamma, which were not. This decides whenever it is one of the two;
//   - else general.name, general.basename, general.finetune or general.version naming a
//     version ("DanTagGen-delta-rev2", "gamma", ...);
//   - else nothing: no quality line.
// The vocabulary tells no version from another (all have the same 32006 tokens); it only
// says whether the file is a DanTagGen at all. Never throws: odd metadata is ignored.
struct DtgModelInfo {
  bool dantaggen_vocabulary = false;  // the vocabulary has DanTagGen's <|input_end|> token
  // "delta-rev2", "delta", "gamma", "beta", "alpha" when the metadata names one that the
  // context length agrees with; "delta" or "alpha/beta/gamma" from the context length
  // alone; "" when nothing tells.
  std::string version;
  bool quality_line = false;
  std::string detected_from;   // "context_length", "metadata" or "none"
  int64_t context_length = 0;  // 0 when the file has none
};
DtgModelInfo detect_dtg_model(const gguf::GgufFile& file);

struct TagResult {
  std::vector<TagVariant> variants;
  bool cancelled = false;
  bool timed_out = false;  // cancelled because its time_limit_seconds ran out
  TagStats total;
  DtgModelInfo model;         // what the file says (detect_dtg_model)
  bool quality_line = false;  // whether this request's prompt had the quality line
};

// Called once per new tag as soon as it is accepted; returning false cancels the request.
using TagCallback = std::function<bool(int32_t variant, std::string_view tag)>;

// One request of many (TagGenerator::generate_many).
struct TagJob {
  TagRequest request;
  TagCallback on_tag;  // optional
};
// Gives the next request, or std::nullopt when there are no more. Called on the generating
// thread whenever there is room for another request.
using TagJobSource = std::function<std::optional<TagJob>()>;
// Called on the generating thread once per request as it ends, in the order they end:
// `index` counts the requests in the order they were taken (from 0); `result` is set, or
// `error` says why the request was refused (a bad request, a prompt that does not fit).
using TagJobDone = std::function<void(size_t index, TagResult* result, const Error* error)>;

// What became of one request of a list.
struct TagOutcome {
  TagResult result;
  bool ok = false;
  ErrorCode error_code = ErrorCode::internal;
  std::string error;  // why it was refused, when !ok
};

struct TagGeneratorOptions {
  int32_t n_threads = 0;  // 0: every CPU
  int32_t n_ctx = 0;      // 0: the model's context length
  KvType kv_type = KvType::f16;
  int32_t max_variants = 8;        // sequences the cache is sized for (it grows when a request needs more)
  // How a batched step mixes decoding with prompts and re-fed tags (results never change):
  // while sequences are decoding, prompt chunks fill a step up to `step_rows` rows (the
  // products read the weights once for all, so such rows cost little); with nothing
  // decoding, a step takes `step_tokens` prompt tokens.
  int32_t step_rows = 16;
  int32_t step_tokens = 64;
  // Artist / character / copyright / meta lists, added to the built-in ones;
  // categories.builtin = false leaves the built-in ones out unless a request asks for them.
  tags::CategoryLists categories;
};

class TagGenerator {
 public:
  // `tokenizer` may be null: it is then built from the model's file.
  explicit TagGenerator(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer = nullptr,
                        TagGeneratorOptions options = {});
  ~TagGenerator();
  TagGenerator(TagGenerator&&) noexcept;
  TagGenerator& operator=(TagGenerator&&) noexcept;

  // Throws Error(invalid_argument) for a bad request, naming what is wrong: text over
  // TagLimits, text that is not UTF-8 (with the byte offset), a ban that is not a valid
  // expression, counts, probabilities or a temperature out of range, ... (checked before
  // anything is tokenized); and Error(context_full) if the prompt alone does not fit. The
  // generator stays usable after any of them.
  TagResult generate(const TagRequest& request, const TagCallback& on_tag = {});

  // Runs many requests at once: up to `max_in_flight` of them, all their variants, are
  // decoded together, one batched step for every sequence (the weights are read once for
  // all); a request starts as soon as another ends, and requests whose prompts share a
  // prefix share its cache. Each result equals generate()'s for the same request alone, bit
  // for bit. Returns how many requests were taken. cancel() stops every request in flight
  // (their results say cancelled) and takes no new ones.
  size_t generate_many(const TagJobSource& next, const TagJobDone& done, int32_t max_in_flight = 8);
  // The same over a list; outcomes in input order.
  std::vector<TagOutcome> generate_many(const std::vector<TagRequest>& requests, int32_t max_in_flight = 8);

  // Stops a running generate() from another thread; it returns with cancelled = true.
  void cancel() noexcept;
  void set_threads(int32_t n);
  // The session's counters (tokens evaluated, decode steps, time in decode) since creation.
  const SessionStats& session_stats() const noexcept;
  const Model& model() const noexcept;
  const Tokenizer& tokenizer() const noexcept;
  const tags::CategoryLists& categories() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Request lines and results as JSON objects, for batch files and bindings. Keys are the
// driver's long option names: "rating", "artist", "characters", "copyrights", "quality",
// "special" (strings of comma-separated tags, or arrays), "general" (web UI text, or an array
// of such texts), "prompt", "aspect-ratio", "size" ("WxH"), "width", "height", "target",
// "min-tags", "quality-line", "builtin-lists", "ban", "seed" (-1 or null: random), "temp",
// "top-p", "top-k", "min-p", "max-new-tokens", "max-retries", "max-same-output", "variants",
// "activation", "format", "no-format". Keys ignore ASCII case, and "_" or " " count as "-"
// ("top_p", "Max Same Output"); the web UI extension's and KGen's names are accepted too:
// "tag_length" and "total tag length" (target), "ban_tags" and "blacklist" (ban),
// "temperature" (temp), "no_formatting" (no-format), "max_retry" (max-retries),
// "special_tags" (special). A key given twice under two names, unknown keys and bad values
// are Error(invalid_argument) naming the key. "time-limit" (seconds) sets
// time_limit_seconds. The result's "timed_out" is written when true.
TagRequest tag_request_from_json(const json::Value& object, const TagRequest& defaults = {});
json::Value tag_result_to_json(const TagResult& result);

// Splits "a, b, c" into trimmed, non-empty tags.
std::vector<std::string> split_tags(std::string_view comma_separated);

}  // namespace nanollama
