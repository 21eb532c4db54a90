// SPDX-License-Identifier: Apache-2.0
// The C API over the C++ one: every entry point catches everything, stores the message in a
// thread-local slot and returns a status code.
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "nanollama/nanollama.h"
#include "nanollama/tags.h"
#include "nanollama/version.h"

struct nl_model {
  std::shared_ptr<const nanollama::Model> model;
  std::shared_ptr<const nanollama::Tokenizer> tokenizer;
};

struct nl_generator {
  std::unique_ptr<nanollama::TagGenerator> generator;
};

namespace {

using nanollama::Error;
using nanollama::ErrorCode;

thread_local std::string t_last_error;

nl_status to_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return NL_ERR_INVALID_ARGUMENT;
    case ErrorCode::io: return NL_ERR_IO;
    case ErrorCode::bad_format: return NL_ERR_BAD_FORMAT;
    case ErrorCode::unsupported: return NL_ERR_UNSUPPORTED;
    case ErrorCode::context_full: return NL_ERR_CONTEXT_FULL;
    case ErrorCode::cancelled: return NL_ERR_CANCELLED;
    case ErrorCode::internal: return NL_ERR_INTERNAL;
  }
  return NL_ERR_INTERNAL;
}

// Runs `body`, turning any exception into a status and a message.
template <class Body>
nl_status guarded(Body&& body) {
  try {
    t_last_error.clear();
    body();
    return NL_OK;
  } catch (const Error& e) {
    t_last_error = e.what();
    return to_status(e.code());
  } catch (const std::bad_alloc&) {
    t_last_error = "out of memory";
    return NL_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    t_last_error = e.what();
    return NL_ERR_INTERNAL;
  } catch (...) {
    t_last_error = "unknown error";
    return NL_ERR_INTERNAL;
  }
}

void require(bool ok, const char* what) {
  if (!ok) throw Error(ErrorCode::invalid_argument, what);
}

// A request's C string, refused before anything reads it whole if it is longer than a
// request's whole text may be (strnlen stops looking there).
std::string_view bounded(const char* s, const char* field, size_t limit = nanollama::TagLimits::kMaxTextBytes) {
  if (s == nullptr) return {};
  const size_t n = strnlen(s, limit + 1);
  if (n > limit) {
    throw Error(ErrorCode::invalid_argument,
                std::string("tag request: ") + field + " is over " + std::to_string(limit) + " bytes");
  }
  return {s, n};
}

std::vector<std::string> tags_of(const char* s, const char* field) { return nanollama::split_tags(bounded(s, field)); }

// A result and every string it points to, in one allocation the caller frees at once.
struct ResultBlock {
  nl_tag_result c{};
  std::vector<nl_tag_variant> variants;
  std::vector<std::vector<std::string>> tag_storage;
  std::vector<std::vector<const char*>> tag_pointers;
  std::vector<std::string> formatted;
  std::string json;
};
// nl_tag_result_free turns the public pointer back into its block: valid because the block is
// standard-layout with the public struct as its first member.
static_assert(std::is_standard_layout_v<ResultBlock>);

nl_tag_result* make_result(const nanollama::TagResult& r) {
  auto block = std::make_unique<ResultBlock>();
  const size_t n = r.variants.size();
  // Strings first, pointers after: the vectors holding them never grow again.
  for (const auto& v : r.variants) {
    block->tag_storage.push_back(v.tags);
    block->formatted.push_back(v.formatted);
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<const char*> pointers;
    for (const auto& t : block->tag_storage[i]) pointers.push_back(t.c_str());
    block->tag_pointers.push_back(std::move(pointers));
    nl_tag_variant cv{};
    cv.seed = r.variants[i].seed;
    cv.tags = block->tag_pointers[i].data();
    cv.n_tags = block->tag_pointers[i].size();
    cv.formatted = block->formatted[i].c_str();
    cv.reached_target = r.variants[i].reached_target ? 1 : 0;
    cv.context_full = r.variants[i].context_full ? 1 : 0;
    block->variants.push_back(cv);
  }
  block->json = nanollama::json::dump(nanollama::tag_result_to_json(r));
  nl_tag_result& c = block->c;
  c.variants = block->variants.data();
  c.n_variants = n;
  c.cancelled = r.cancelled ? 1 : 0;
  c.timed_out = r.timed_out ? 1 : 0;
  c.prompt_tokens = r.total.prompt_tokens;
  c.reused_tokens = r.total.reused_tokens;
  c.generated_tokens = r.total.generated_tokens;
  c.rolled_back_tokens = r.total.rolled_back_tokens;
  c.rejected_tags = r.total.rejected_tags;
  c.passes = r.total.passes;
  c.seconds = r.total.seconds;
  c.json = block->json.c_str();
  // The public struct is the block's first member, so the pointer converts back on free.
  return &block.release()->c;
}

// The C callback as the C++ one (empty when on_tag is NULL); the tag gets its terminating NUL.
nanollama::TagCallback callback_of(nl_tag_callback on_tag, void* user_data) {
  if (on_tag == nullptr) return {};
  return [on_tag, user_data](int32_t variant, std::string_view tag) {
    const std::string text(tag);
    return on_tag(user_data, variant, text.c_str()) != 0;
  };
}

}  // namespace

extern "C" {

const char* nl_last_error(void) { return t_last_error.c_str(); }

const char* nl_status_name(nl_status status) {
  switch (status) {
    case NL_OK: return "ok";
    case NL_ERR_INVALID_ARGUMENT: return "invalid argument";
    case NL_ERR_IO: return "I/O error";
    case NL_ERR_BAD_FORMAT: return "bad format";
    case NL_ERR_UNSUPPORTED: return "unsupported";
    case NL_ERR_CONTEXT_FULL: return "context full";
    case NL_ERR_CANCELLED: return "cancelled";
    case NL_ERR_OUT_OF_MEMORY: return "out of memory";
    case NL_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

const char* nl_version(void) { return nanollama::version(); }
const char* nl_build_commit(void) { return nanollama::build_commit(); }

nl_status nl_model_load(const char* path, nl_model** out) { return nl_model_load_with_options(path, nullptr, out); }

void nl_model_options_init(nl_model_options* o) {
  if (o != nullptr) std::memset(o, 0, sizeof *o);
}

nl_status nl_model_load_with_options(const char* path, const nl_model_options* options, nl_model** out) {
  return guarded([&] {
    require(path != nullptr && out != nullptr, "nl_model_load: path and out must not be NULL");
    *out = nullptr;
    nanollama::ModelOptions opts;
    if (options != nullptr) {
      require(options->n_threads >= 0, "nl_model_load: n_threads must not be negative");
      opts.repack = options->no_repack == 0;
      opts.prefetch = options->no_prefetch == 0;
      opts.n_threads = options->n_threads;
      opts.lossy_bf16 = options->lossy_bf16 != 0;
    }
    auto m = std::make_unique<nl_model>();
    m->model = nanollama::Model::load(path, opts);
    m->tokenizer = nanollama::Tokenizer::from_gguf(m->model->file());
    *out = m.release();
  });
}

void nl_model_free(nl_model* model) { delete model; }

void nl_generator_options_init(nl_generator_options* o) {
  if (o == nullptr) return;
  std::memset(o, 0, sizeof *o);
  o->max_variants = 4;
}

nl_status nl_generator_create(nl_model* model, const nl_generator_options* options, nl_generator** out) {
  return guarded([&] {
    require(model != nullptr && out != nullptr, "nl_generator_create: model and out must not be NULL");
    *out = nullptr;
    nl_generator_options defaults;
    nl_generator_options_init(&defaults);
    const nl_generator_options& o = options ? *options : defaults;
    nanollama::TagGeneratorOptions opts;
    opts.n_threads = o.n_threads;
    opts.n_ctx = o.n_ctx;
    opts.kv_type = o.kv_f32 ? nanollama::KvType::f32 : nanollama::KvType::f16;
    opts.max_variants = o.max_variants > 0 ? o.max_variants : 4;
    using nanollama::tags::Category;
    if (o.artists_file) opts.categories.load(Category::artist, o.artists_file);
    if (o.characters_file) opts.categories.load(Category::characters, o.characters_file);
    if (o.copyrights_file) opts.categories.load(Category::copyrights, o.copyrights_file);
    if (o.meta_file) opts.categories.load(Category::meta, o.meta_file);
    opts.categories.builtin = o.no_builtin_lists == 0;
    auto g = std::make_unique<nl_generator>();
    g->generator = std::make_unique<nanollama::TagGenerator>(model->model, model->tokenizer, std::move(opts));
    *out = g.release();
  });
}

void nl_generator_free(nl_generator* generator) { delete generator; }

void nl_generator_cancel(nl_generator* generator) {
  if (generator != nullptr) generator->generator->cancel();
}

void nl_tag_request_init(nl_tag_request* r) {
  if (r == nullptr) return;
  std::memset(r, 0, sizeof *r);
  const nanollama::TagRequest d;
  r->target = NL_TARGET_LONG;
  r->min_tags = -1;
  r->quality_line = -1;
  r->temperature = d.sampling.temperature;
  r->top_p = d.sampling.top_p;
  r->min_p = d.sampling.min_p;
  r->top_k = d.sampling.top_k;
  r->seed = NL_SEED_RANDOM;
  r->max_new_tokens = d.max_new_tokens;
  r->max_retries = d.max_retries;
  r->variants = d.variants;
  r->max_same_output = d.max_same_output;
  r->builtin_lists = -1;
}

nl_status nl_generate_tags(nl_generator* generator, const nl_tag_request* request, nl_tag_callback on_tag,
                           void* user_data, nl_tag_result** out) {
  return guarded([&] {
    require(generator != nullptr && request != nullptr && out != nullptr,
            "nl_generate_tags: generator, request and out must not be NULL");
    *out = nullptr;
    const nl_tag_request& c = *request;
    nanollama::TagRequest r;
    r.rating = tags_of(c.rating, "rating");
    r.artist = tags_of(c.artist, "artist");
    r.characters = tags_of(c.characters, "characters");
    r.copyrights = tags_of(c.copyrights, "copyrights");
    r.quality = tags_of(c.quality, "quality");
    r.special = tags_of(c.special, "special");
    if (const auto general = bounded(c.general, "general"); !general.empty()) r.general = {std::string(general)};  // web UI text, parsed whole
    r.ban = nanollama::tags::split_ban_patterns(bounded(c.ban, "ban"));
    r.prompt = bounded(c.prompt, "prompt");
    r.format_template = bounded(c.format, "format");
    if (c.aspect_ratio != 0.0) r.aspect_ratio = c.aspect_ratio;
    r.width = c.width;
    r.height = c.height;
    // A C caller may store any int in the enum field; reading it as nl_target would be undefined
    // for values outside the enumerators, so its bytes are read as its underlying integer.
    std::underlying_type_t<nl_target> target = 0;
    std::memcpy(&target, &c.target, sizeof target);
    require(target >= NL_TARGET_VERY_SHORT && target <= NL_TARGET_VERY_LONG, "nl_generate_tags: unknown target");
    r.target = static_cast<nanollama::tags::Target>(target);
    if (c.min_tags >= 0) r.min_tags = c.min_tags;
    if (c.quality_line >= 0) r.quality_line = c.quality_line != 0;
    r.sampling.temperature = c.temperature;
    r.sampling.top_p = c.top_p;
    r.sampling.min_p = c.min_p;
    r.sampling.top_k = c.top_k;
    if (c.seed != NL_SEED_RANDOM) r.seed = c.seed;
    r.max_new_tokens = c.max_new_tokens;
    r.max_retries = c.max_retries;
    r.max_same_output = c.max_same_output;
    if (c.builtin_lists >= 0) r.builtin_lists = c.builtin_lists != 0;
    r.variants = c.variants;
    r.activation = c.mish ? nanollama::Activation::mish : nanollama::Activation::silu;
    r.no_format = c.no_format != 0;
    if (c.time_limit_seconds != 0.0) r.time_limit_seconds = c.time_limit_seconds;
    *out = make_result(generator->generator->generate(r, callback_of(on_tag, user_data)));
  });
}

nl_status nl_generate_tags_json(nl_generator* generator, const char* request_json, nl_tag_result** out) {
  return nl_generate_tags_json_stream(generator, request_json, nullptr, nullptr, out);
}

nl_status nl_generate_tags_json_stream(nl_generator* generator, const char* request_json, nl_tag_callback on_tag,
                                       void* user_data, nl_tag_result** out) {
  return guarded([&] {
    require(generator != nullptr && request_json != nullptr && out != nullptr,
            "nl_generate_tags_json: generator, request_json and out must not be NULL");
    *out = nullptr;
    const auto text = bounded(request_json, "the JSON request", nanollama::TagLimits::kMaxJsonBytes);
    const auto request = nanollama::tag_request_from_json(nanollama::json::parse(text));
    *out = make_result(generator->generator->generate(request, callback_of(on_tag, user_data)));
  });
}

nl_status nl_generate_tags_json_many(nl_generator* generator, const char* const* requests_json, size_t n_requests,
                                     int32_t max_in_flight, nl_result_callback on_result, void* user_data) {
  return guarded([&] {
    require(generator != nullptr && on_result != nullptr && (requests_json != nullptr || n_requests == 0),
            "nl_generate_tags_json_many: generator, requests_json and on_result must not be NULL");
    require(max_in_flight >= 0, "nl_generate_tags_json_many: max_in_flight must not be negative");
    nanollama::TagGenerator& tags = *generator->generator;
    bool stopped = false;
    auto report = [&](size_t index, nl_status status, const char* error, nl_tag_result* result) {
      if (stopped) {  // cancelled by the caller: results still in flight are freed, not reported
        nl_tag_result_free(result);
        return;
      }
      if (on_result(user_data, index, status, error, result) == 0) {
        stopped = true;
        tags.cancel();
      }
    };
    // Requests are parsed as the scheduler asks for them; a malformed one is reported at once
    // and the next is taken in its place. `taken` maps the scheduler's order to input positions.
    std::vector<size_t> taken;
    size_t next = 0;
    auto source = [&]() -> std::optional<nanollama::TagJob> {
      while (!stopped && next < n_requests) {
        const size_t index = next++;
        try {
          require(requests_json[index] != nullptr, "nl_generate_tags_json_many: a request is NULL");
          const auto text = bounded(requests_json[index], "a JSON request", nanollama::TagLimits::kMaxJsonBytes);
          nanollama::TagJob job{nanollama::tag_request_from_json(nanollama::json::parse(text)), {}};
          taken.push_back(index);
          return job;
        } catch (const Error& e) {
          report(index, to_status(e.code()), e.what(), nullptr);
        }
      }
      return std::nullopt;
    };
    auto done = [&](size_t order, nanollama::TagResult* result, const Error* error) {
      const size_t index = taken.at(order);
      if (error != nullptr) {
        report(index, to_status(error->code()), error->what(), nullptr);
        return;
      }
      nl_tag_result* c = make_result(*result);
      report(index, NL_OK, "", c);
    };
    tags.generate_many(source, done, max_in_flight > 0 ? max_in_flight : 8);
  });
}

void nl_tag_result_free(nl_tag_result* result) {
  // nl_tag_result is the first member of its ResultBlock (standard layout start).
  delete reinterpret_cast<ResultBlock*>(result);
}

}  // extern "C"
