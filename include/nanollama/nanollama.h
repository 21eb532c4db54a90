/* SPDX-License-Identifier: Apache-2.0 */
/* nanollama's C API: DanTagGen tag generation for C and for other languages' FFIs
 * (Python ctypes, C#, Rust).
 *
 * Conventions
 * - Every function returns an nl_status; NL_OK is 0. On failure, nl_last_error() returns a
 *   message for the calling thread (valid until its next nanollama call). No C++ exception
 *   ever crosses this boundary.
 * - Objects are opaque handles, created by nl_*_create/load and released by nl_*_free
 *   (free functions accept NULL). Results are allocated by the library and released with
 *   nl_tag_result_free.
 * - Strings are UTF-8 and NUL-terminated. A NULL string field in a request means "empty".
 *   Requests are checked before any work (docs/SECURITY.md): text over 64 KiB in all (a JSON
 *   request over 256 KiB), text that is not UTF-8 (the byte offset is in the message),
 *   numbers out of range and bad ban expressions are NL_ERR_INVALID_ARGUMENT, and the
 *   generator stays usable.
 * - Threads: an nl_model may be shared by any number of threads; an nl_generator must be
 *   used by one thread at a time (create one per thread); nl_generator_cancel may be called
 *   from any thread.
 * - Option structs are filled with their defaults by their _init functions, then changed
 *   field by field. New fields are added at their end (nl_model_options.lossy_bf16 in
 *   0.1.0); while the version is 0.x there is no binary-compatibility promise: rebuild against
 *   the headers of the library you link.
 */
#ifndef NANOLLAMA_H
#define NANOLLAMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nl_status {
  NL_OK = 0,
  NL_ERR_INVALID_ARGUMENT = 1,
  NL_ERR_IO = 2,
  NL_ERR_BAD_FORMAT = 3,
  NL_ERR_UNSUPPORTED = 4,
  NL_ERR_CONTEXT_FULL = 5,
  NL_ERR_CANCELLED = 6,
  NL_ERR_OUT_OF_MEMORY = 7,
  NL_ERR_INTERNAL = 8
} nl_status;

typedef struct nl_model nl_model;
typedef struct nl_generator nl_generator;

/* The message of the calling thread's last failure ("" if none). */
const char* nl_last_error(void);
const char* nl_status_name(nl_status status);
/* The library's version, "0.1.0" (NANOLLAMA_VERSION_STRING in nanollama/version.h is the
 * version of the headers compiled against). */
const char* nl_version(void);
/* The git commit the library was built from: a short hash, with "-dirty" if tracked files
 * were modified, or "unknown" outside a git checkout. For bug reports. */
const char* nl_build_commit(void);

/* ---- model ---------------------------------------------------------------------------- */

nl_status nl_model_load(const char* path, nl_model** out);

typedef struct nl_model_options {
  int32_t no_repack;   /* nonzero: keep Q8_0 / Q6_K matrices as mapped (same results, slower) */
  int32_t no_prefetch; /* nonzero: do not ask the OS to read the weights in at load time */
  int32_t n_threads;   /* threads for repacking; 0: every CPU */
  int32_t lossy_bf16;  /* nonzero: LOSSY BF16 products for F16/F32 matrices (ModelOptions::lossy_bf16) */
} nl_model_options;

void nl_model_options_init(nl_model_options* options);
/* nl_model_load with options (NULL: the defaults, as nl_model_load). */
nl_status nl_model_load_with_options(const char* path, const nl_model_options* options, nl_model** out);
void nl_model_free(nl_model* model);

/* ---- generator ------------------------------------------------------------------------ */

typedef struct nl_generator_options {
  int32_t n_threads;    /* 0: every CPU */
  int32_t n_ctx;        /* 0: the model's context length */
  int32_t kv_f32;       /* nonzero: F32 KV cache (default F16) */
  int32_t max_variants; /* variants per request without rebuilding the cache (default 4) */
  const char* artists_file;    /* optional category lists, one tag per line */
  const char* characters_file;
  const char* copyrights_file;
  const char* meta_file;
  int32_t no_builtin_lists;    /* nonzero: requests leave the built-in category lists out unless
                                  they ask for them (nl_tag_request.builtin_lists) */
} nl_generator_options;

void nl_generator_options_init(nl_generator_options* options);
nl_status nl_generator_create(nl_model* model, const nl_generator_options* options, nl_generator** out);
void nl_generator_free(nl_generator* generator);
/* Makes a running nl_generate_tags return early (its result has cancelled = 1). */
void nl_generator_cancel(nl_generator* generator);

/* ---- requests and results ------------------------------------------------------------- */

typedef enum nl_target { NL_TARGET_VERY_SHORT = 0, NL_TARGET_SHORT = 1, NL_TARGET_LONG = 2, NL_TARGET_VERY_LONG = 3 } nl_target;

/* nl_tag_request.seed: draw a fresh random seed for the request (reported per variant). */
#define NL_SEED_RANDOM UINT64_MAX

typedef struct nl_tag_request {
  /* Comma-separated Danbooru tags per field, taken as given; NULL or "" for none. */
  const char* rating;
  const char* artist;
  const char* characters;
  const char* copyrights;
  const char* quality;
  const char* special;
  const char* general;      /* loose tags in web UI syntax, read as `prompt` is */
  const char* prompt;       /* a web UI prompt (weights, BREAK, <lora:...>) */
  const char* ban;          /* comma-separated ban patterns (see tags::BanList) */
  const char* format;       /* output template; NULL for the default */
  double aspect_ratio;      /* 0: from width/height, or 1.0 */
  int32_t width, height;
  nl_target target;         /* default NL_TARGET_LONG */
  int32_t min_tags;         /* -1: the target's minimum */
  int32_t quality_line;     /* -1 auto (from the model file), 0 off, 1 on */
  float temperature, top_p, min_p;
  int32_t top_k;
  uint64_t seed;            /* NL_SEED_RANDOM (the default, also (uint64_t)-1): a random seed */
  int32_t max_new_tokens, max_retries, variants;
  int32_t mish;             /* nonzero: Mish MLP activation instead of SiLU */
  int32_t no_format;        /* nonzero: original prompt + new tags */
  /* Fields added later go here, at the end, so the ones above keep their offsets. */
  int32_t max_same_output;  /* identical outputs in a row that end the retries (default 15) */
  int32_t builtin_lists;    /* -1 the generator's setting, 0 off, 1 on: the built-in category lists */
  double time_limit_seconds; /* 0: none; else the request stops (cancelled, timed_out) after this long */
} nl_tag_request;

/* Fills every field with the library's defaults (the same as the C++ TagRequest). */
void nl_tag_request_init(nl_tag_request* request);

typedef struct nl_tag_variant {
  uint64_t seed;
  const char* const* tags; /* the new tags, in order */
  size_t n_tags;
  const char* formatted;   /* the final prompt */
  int32_t reached_target;
  int32_t context_full;
} nl_tag_variant;

typedef struct nl_tag_result {
  const nl_tag_variant* variants;
  size_t n_variants;
  int32_t cancelled;
  int64_t prompt_tokens, reused_tokens, generated_tokens, rolled_back_tokens, rejected_tags;
  int32_t passes;
  double seconds;
  const char* json; /* the whole result as JSON (the driver's --json format) */
  int32_t timed_out; /* cancelled because the request's time_limit_seconds ran out */
} nl_tag_result;

/* Called for each new tag as it is accepted; return 0 to cancel, nonzero to go on. */
typedef int (*nl_tag_callback)(void* user_data, int32_t variant, const char* tag);

nl_status nl_generate_tags(nl_generator* generator, const nl_tag_request* request, nl_tag_callback on_tag,
                           void* user_data, nl_tag_result** out);
/* The same with a JSON request object (keys as in the driver's --batch lines). */
nl_status nl_generate_tags_json(nl_generator* generator, const char* request_json, nl_tag_result** out);
/* The same JSON request, calling on_tag (may be NULL) for each tag as nl_generate_tags does:
 * what bindings use to stream while passing requests through unchanged. */
nl_status nl_generate_tags_json_stream(nl_generator* generator, const char* request_json, nl_tag_callback on_tag,
                                       void* user_data, nl_tag_result** out);
void nl_tag_result_free(nl_tag_result* result);

/* ---- many requests at once ------------------------------------------------------------ */

/* Called once per request of nl_generate_tags_json_many, on the calling thread, in the order
 * the requests end (not their input order): `index` is the request's position in the input.
 * On success `status` is NL_OK and `result` is the request's result, which the callback owns
 * (free it with nl_tag_result_free); otherwise `result` is NULL and `error` says why that
 * request was refused (a malformed request, a prompt that does not fit). Return 0 to cancel:
 * requests in flight end with cancelled = 1 and requests not yet started get no call. */
typedef int (*nl_result_callback)(void* user_data, size_t index, nl_status status, const char* error,
                                  nl_tag_result* result);

/* Runs `n_requests` JSON requests (keys as in the driver's --batch lines), up to
 * `max_in_flight` at a time (0: 8) with all their variants decoded together in one batched
 * step; a request starts as soon as another ends. Each result equals nl_generate_tags_json's
 * for the same request alone, tag for tag. Returns NL_OK once every request has been
 * reported (one bad request does not stop the others), an error only for bad arguments or
 * a failure of the generator itself. */
nl_status nl_generate_tags_json_many(nl_generator* generator, const char* const* requests_json, size_t n_requests,
                                     int32_t max_in_flight, nl_result_callback on_result, void* user_data);

#ifdef __cplusplus
}
#endif

#endif /* NANOLLAMA_H */
